// Runs the AuditStore contract on every test database: SQLite in memory and
// PostgreSQL (test-databases.fixtures.ts).
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describeAuditStoreContract } from './audit-store.contract.js';

eachTestDatabase(describeAuditStoreContract);
