// Runs the BackupStore contract on every test database: SQLite in memory and
// PostgreSQL (test-databases.fixtures.ts).
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describeBackupStoreContract } from './backup-store.contract.js';

eachTestDatabase(describeBackupStoreContract);
