// Runs the EnrollmentSecretStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describeEnrollmentSecretStoreContract } from './enrollment-secret-store.contract.js';

describeEnrollmentSecretStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
