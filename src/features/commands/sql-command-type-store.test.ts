// Runs the CommandTypeStore contract on every test database: SQLite in memory and
// PostgreSQL (test-databases.fixtures.ts).
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describeCommandTypeStoreContract } from './command-type-store.contract.js';

eachTestDatabase(describeCommandTypeStoreContract);
