// FleetSettingsStore over SQL (any Kysely dialect): the `fleet_settings` table,
// values as JSON text.
import { fromJson, toJson, type SqlExecutor } from '../../infra/store/sql/sql-helpers.js';
import type { FleetSetting, FleetSettingsStore } from './fleet-settings-store.js';

export class SqlFleetSettingsStore implements FleetSettingsStore {
  constructor(private readonly db: SqlExecutor) {}

  async get(name: string): Promise<FleetSetting | undefined> {
    const row = await this.db
      .selectFrom('fleet_settings')
      .select(['value', 'updated_at', 'updated_by'])
      .where('name', '=', name)
      .executeTakeFirst();
    return (
      row && { value: fromJson(row.value), updatedAt: Number(row.updated_at), updatedBy: row.updated_by }
    );
  }

  async put(name: string, setting: FleetSetting): Promise<void> {
    const values = {
      value: toJson(setting.value),
      updated_at: setting.updatedAt,
      updated_by: setting.updatedBy,
    };
    await this.db
      .insertInto('fleet_settings')
      .values({ name, ...values })
      .onConflict((oc) => oc.column('name').doUpdateSet(values))
      .execute();
  }
}
