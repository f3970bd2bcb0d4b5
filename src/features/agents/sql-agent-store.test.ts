// Runs the AgentStore contract on every test database: SQLite in memory and
// PostgreSQL (test-databases.fixtures.ts).
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describeAgentStoreContract } from './agent-store.contract.js';

eachTestDatabase(describeAgentStoreContract);
