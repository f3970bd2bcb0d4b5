// Runs the ApiKeyStore contract on every test database: SQLite in memory and
// PostgreSQL (test-databases.fixtures.ts).
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describeApiKeyStoreContract } from './api-key-store.contract.js';

eachTestDatabase(describeApiKeyStoreContract);
