// Runs the CommandStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describeCommandStoreContract } from './command-store.contract.js';

describeCommandStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
