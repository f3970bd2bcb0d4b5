// Runs the SessionStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describeSessionStoreContract } from './session-store.contract.js';

describeSessionStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
