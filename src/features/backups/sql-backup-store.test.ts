// Runs the BackupStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describeBackupStoreContract } from './backup-store.contract.js';

describeBackupStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
