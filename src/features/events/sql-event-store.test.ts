// Runs the EventStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describeEventStoreContract } from './event-store.contract.js';

describeEventStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
