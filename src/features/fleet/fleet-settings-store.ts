// Fleet-wide settings every instance must agree on (maintenance mode), kept in
// the store so that all instances read the same value and it survives restarts.
export interface FleetSetting {
  /** The value as it was put (any JSON value). */
  readonly value: unknown;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

export interface FleetSettingsStore {
  get(name: string): Promise<FleetSetting | undefined>;
  /** Creates or replaces the setting. */
  put(name: string, setting: FleetSetting): Promise<void>;
}
