// Runs the GroupStore contract on every test database: SQLite in memory and
// PostgreSQL (test-databases.fixtures.ts).
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describeGroupStoreContract } from './group-store.contract.js';

eachTestDatabase(describeGroupStoreContract);
