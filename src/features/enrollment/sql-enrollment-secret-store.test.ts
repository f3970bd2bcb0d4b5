// Runs the EnrollmentSecretStore contract on every test database: SQLite in memory and
// PostgreSQL (test-databases.fixtures.ts).
import { eachTestDatabase } from '../../infra/store/sql/test-databases.fixtures.js';
import { describeEnrollmentSecretStoreContract } from './enrollment-secret-store.contract.js';

eachTestDatabase(describeEnrollmentSecretStoreContract);
