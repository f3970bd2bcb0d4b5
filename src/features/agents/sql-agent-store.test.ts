// Runs the AgentStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describeAgentStoreContract } from './agent-store.contract.js';

describeAgentStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
