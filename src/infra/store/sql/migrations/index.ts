// Every schema migration, in order, for Kysely's Migrator. Kept in code (not
// read from a folder at run time) so the built package carries them. Names are
// recorded in the database: never rename or reorder one, only append.
import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.js';
import * as commands from './0002-commands.js';
import * as commandTypes from './0003-command-types.js';
import * as inlineCommandHistory from './0004-inline-command-history.js';
import * as partialIndexes from './0005-partial-indexes-for-open-work.js';
import * as groups from './0006-groups.js';
import * as policies from './0007-policies.js';
import * as configuration from './0008-configuration.js';
import * as backups from './0009-backups.js';
import * as pendingDesiredStateOrder from './0010-pending-desired-state-order.js';
import * as enrollmentNonce from './0011-enrollment-nonce.js';

export const migrations: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-commands': commands,
  '0003-command-types': commandTypes,
  '0004-inline-command-history': inlineCommandHistory,
  '0005-partial-indexes-for-open-work': partialIndexes,
  '0006-groups': groups,
  '0007-policies': policies,
  '0008-configuration': configuration,
  '0009-backups': backups,
  '0010-pending-desired-state-order': pendingDesiredStateOrder,
  '0011-enrollment-nonce': enrollmentNonce,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...migrations }),
};
