// Runs the PolicyStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describePolicyStoreContract } from './policy-store.contract.js';

describePolicyStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
