// Runs the GroupStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describeGroupStoreContract } from './group-store.contract.js';

describeGroupStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
