// Runs the SessionStore contract on every test database: SQLite in memory and
// PostgreSQL (test-databases.fixtures.ts).
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describeSessionStoreContract } from './session-store.contract.js';

eachTestDatabase(describeSessionStoreContract);
