// Runs the PolicyStore contract on every test database: SQLite in memory and
// PostgreSQL (test-databases.fixtures.ts).
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describePolicyStoreContract } from './policy-store.contract.js';

eachTestDatabase(describePolicyStoreContract);
