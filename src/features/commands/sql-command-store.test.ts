// Runs the CommandStore contract on every test database: SQLite in memory and
// PostgreSQL (test-databases.fixtures.ts).
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describeCommandStoreContract } from './command-store.contract.js';

eachTestDatabase(describeCommandStoreContract);
