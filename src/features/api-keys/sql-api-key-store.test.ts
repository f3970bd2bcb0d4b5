// Runs the ApiKeyStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describeApiKeyStoreContract } from './api-key-store.contract.js';

describeApiKeyStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
