// Reads settings from an optional JSON config file and the environment (the
// environment wins), validates them, and reports every bad value by name.
import { accessSync, constants, readFileSync } from 'node:fs';
import { SETTING_ALIASES, SETTING_NAMES, settingsSchema, type Settings } from './settings.js';

export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid settings:\n  ${problems.join('\n  ')}`);
    this.name = 'SettingsError';
  }
}

export interface SettingsSources {
  readonly env: NodeJS.ProcessEnv;
  /** Path of a JSON file whose keys are setting names; CORRAL_CONFIG in env also names one. */
  readonly configFile?: string;
}

export function loadSettings(sources: SettingsSources): Settings {
  const fileValues = readConfigFile(sources.configFile ?? sources.env.CORRAL_CONFIG);
  const raw: Record<string, unknown> = { ...fileValues };
  for (const [alias, name] of Object.entries(SETTING_ALIASES)) {
    const value = sources.env[alias];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  for (const name of SETTING_NAMES) {
    const value = sources.env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new SettingsError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'settings'}: ${issue.message}`),
    );
  }
  const unreadable = FILE_SETTINGS.flatMap((name) => {
    const path = parsed.data[name];
    if (path === undefined) return [];
    try {
      accessSync(path, constants.R_OK);
      return [];
    } catch (error) {
      return [
        `${name}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      ];
    }
  });
  if (unreadable.length > 0) throw new SettingsError(unreadable);
  return Object.freeze(parsed.data);
}

/** Settings that name files the server reads at start. */
const FILE_SETTINGS = ['TLS_CERT_FILE', 'TLS_KEY_FILE', 'ADMIN_TLS_CERT_FILE', 'ADMIN_TLS_KEY_FILE'] as const;

function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SettingsError([`CORRAL_CONFIG: cannot read ${path}: ${(error as Error).message}`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SettingsError([`CORRAL_CONFIG: ${path} is not valid JSON: ${(error as Error).message}`]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SettingsError([`CORRAL_CONFIG: ${path} must hold a JSON object of settings`]);
  }
  const known = new Set<string>(SETTING_NAMES);
  const unknown = Object.keys(value).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new SettingsError(unknown.map((key) => `${key}: unknown setting in ${path}`));
  }
  return value as Record<string, unknown>;
}
