// Every schema migration, in order, for Kysely's Migrator. Kept in code (not
// read from a folder at run time) so the built package carries them. Names are
// recorded in the database: never rename or reorder one, only append. A
// migration that creates columns takes the dialect's column types as its
// second argument (column-types.ts).
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { ColumnTypes } from './column-types.js';
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
import * as fleetSettings from './0012-fleet-settings.js';

/** A migration module; one that needs no column types simply ignores the second argument. */
export interface CorralMigration {
  up(db: Kysely<unknown>, types: ColumnTypes): Promise<void>;
  down?(db: Kysely<unknown>, types: ColumnTypes): Promise<void>;
}

export const migrations: Readonly<Record<string, CorralMigration>> = {
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
  '0012-fleet-settings': fleetSettings,
};

/** The migrations for Kysely's Migrator, creating columns with `types`. */
export function migrationProvider(types: ColumnTypes): MigrationProvider {
  const bound = (migration: CorralMigration): Migration => {
    const { up, down } = migration;
    return {
      up: (db) => up(db, types),
      ...(down && { down: (db: Kysely<unknown>) => down(db, types) }),
    };
  };
  return {
    getMigrations: () =>
      Promise.resolve(Object.fromEntries(Object.entries(migrations).map(([name, m]) => [name, bound(m)]))),
  };
}
