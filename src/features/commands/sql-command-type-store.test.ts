// Runs the CommandTypeStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describeCommandTypeStoreContract } from './command-type-store.contract.js';

describeCommandTypeStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
