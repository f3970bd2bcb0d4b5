// Runs the EventStore contract on every test database: SQLite in memory and
// PostgreSQL (test-databases.fixtures.ts).
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describeEventStoreContract } from './event-store.contract.js';

eachTestDatabase(describeEventStoreContract);
