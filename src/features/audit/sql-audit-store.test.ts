// Runs the AuditStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describeAuditStoreContract } from './audit-store.contract.js';

describeAuditStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
