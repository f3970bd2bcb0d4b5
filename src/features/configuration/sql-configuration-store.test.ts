// Runs the ConfigurationStore contract on SQLite in memory.
import { openSqlDatabase } from '../../infra/store/sql/open-database.js';
import { describeConfigurationStoreContract } from './configuration-store.contract.js';

describeConfigurationStoreContract('sqlite', () => openSqlDatabase('sqlite::memory:'));
