// Every setting Corral reads, its environment variable, default and rule.
// Parsed once at start (load-settings.ts), frozen, and passed in parts to the
// services that need them.
import { z } from 'zod';
import { isPostgresUrl, postgresLocation } from '../infra/store/sql/postgres-url.js';
import { parseDuration } from '../shared/duration.js';
import { isRedisUrl, REDIS_URL_SCHEMES, redisUrlProblem } from '../infra/redis/redis-url.js';

const duration = (min: number) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value * 1000 : durationOrUndefined(value.trim());
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 300, 1500ms, 30s, 5m or 1h' });
      return z.NEVER;
    }
    if (ms < min) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${min} ms` });
      return z.NEVER;
    }
    return ms;
  });

function durationOrUndefined(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

/** `:50051`, `0.0.0.0:8080`, `127.0.0.1:0`, `[::1]:2112`. */
const listenAddress = z.string().transform((value, ctx) => {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    ctx.addIssue({ code: 'custom', message: 'expected host:port, e.g. :8080 or 127.0.0.1:8080' });
    return z.NEVER;
  }
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port, text: value.trim() };
});
export type ListenAddress = z.output<typeof listenAddress>;

const backendUrl = (schemes: readonly string[]) =>
  z.string().refine((value) => schemes.some((scheme) => value.startsWith(scheme)), {
    message: `must start with one of ${schemes.join(', ')}`,
  });

/** `sqlite:<path>`, `sqlite::memory:`, or a PostgreSQL URL whose `pool` and `schema` are valid. */
const storeUrl = backendUrl(['sqlite:', 'postgres://', 'postgresql://']).superRefine((value, ctx) => {
  if (!isPostgresUrl(value)) return;
  try {
    postgresLocation(value);
  } catch (error) {
    // The message names the URL without its password.
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** `memory:` or a Redis/Valkey URL; problems are named without quoting the URL (it may hold a password). */
const cacheUrl = backendUrl(['memory:', ...REDIS_URL_SCHEMES]).superRefine((value, ctx) => {
  const problem = isRedisUrl(value) ? redisUrlProblem(value) : undefined;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const logLevel = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/** Keys are the environment variable names; the same keys work in the config file. */
export const settingsSchema = z
  .object({
    GRPC_SERVER_ADDR: listenAddress.prefault(':50051'),
    ADMIN_API_ADDR: listenAddress.prefault(':8080'),
    METRICS_ADDR: listenAddress.prefault(':2112'),
    ADMIN_API_KEY: z
      .string()
      .min(20, 'must be at least 20 characters')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      .optional(),
    TLS_ENABLED: bool.prefault(false),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    ADMIN_TLS_ENABLED: bool.prefault(false),
    ADMIN_TLS_CERT_FILE: z.string().min(1).optional(),
    ADMIN_TLS_KEY_FILE: z.string().min(1).optional(),
    LOG_LEVEL: logLevel.default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
    STORE_URL: storeUrl.default('sqlite:./data/corral.db'),
    CACHE_URL: cacheUrl.default('memory:'),
    CACHE_KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._:{}-]{0,64}$/, 'must be at most 64 of [A-Za-z0-9._:{}-]')
      .default('corral:'),
    LEADER_LEASE_TTL: duration(300).prefault('15s'),
    PRESENCE_TTL: duration(300).prefault('30s'),
    BUS_URL: backendUrl(['memory:', 'amqp://', 'amqps://']).default('memory:'),
    BUS_EXCHANGE: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be 1-200 of [A-Za-z0-9._:-]')
      .refine((name) => !name.startsWith('amq.'), 'must not start with amq. (reserved by the broker)')
      .default('corral.events'),
    BUS_INSTANCE_EXCHANGE: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,150}$/, 'must be 1-150 of [A-Za-z0-9._:-]')
      .refine((name) => !name.startsWith('amq.'), 'must not start with amq. (reserved by the broker)')
      .default('corral.instances'),
    SESSION_TIMEOUT: duration(1000).prefault('1h'),
    HEARTBEAT_INTERVAL: duration(100).prefault('10s'),
    AGENT_TIMEOUT: duration(500).prefault('300'),
    MAX_INACTIVE_TIME: duration(1000).prefault('15m'),
    HEARTBEAT_FLUSH_INTERVAL: duration(10).prefault('1s'),
    HEARTBEAT_EVENT_SAMPLE_INTERVAL: duration(1000).prefault('5m'),
    DASHBOARD_SAMPLE_INTERVAL: duration(500).prefault('5s'),
    SESSION_SWEEP_INTERVAL: duration(100).prefault('1m'),
    SHUTDOWN_DRAIN_TIMEOUT: duration(0).prefault('10s'),
    DRAIN_WAVE_SIZE: z.coerce.number().int().min(1).max(100_000).default(200),
    DRAIN_WAVE_INTERVAL: duration(10).prefault('1s'),
    MAX_AGENT_STREAMS: z.coerce.number().int().min(1).default(19_000),
    MAX_PENDING_HEARTBEATS: z.coerce.number().int().min(100).default(200_000),
    API_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
    MAINTENANCE_MODE: bool.prefault(false),
    MAX_AGENT_LOAD: z.coerce
      .number({ error: 'must be a number between 0 and 1' })
      .min(0, 'must be between 0 and 1')
      .max(1, 'must be between 0 and 1')
      .default(0.8),
    LOAD_BALANCING_STRATEGY: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a strategy name such as least_loaded')
      .default('least_loaded'),
    COMMAND_QUEUE_SIZE: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    MAX_COMMANDS_PER_AGENT: z.coerce.number().int().min(1).max(10_000).default(32),
    CONFIG_DRIFT_GRACE: duration(1000).prefault('60s'),
    INSTANCE_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 of [A-Za-z0-9._-]')
      .optional(),
  })
  .superRefine((s, ctx) => {
    if (s.TLS_ENABLED && (!s.TLS_CERT_FILE || !s.TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: [s.TLS_CERT_FILE ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'],
        message: 'is required when TLS_ENABLED=true',
      });
    }
    if (s.ADMIN_TLS_ENABLED && (!s.ADMIN_TLS_CERT_FILE || !s.ADMIN_TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: [s.ADMIN_TLS_CERT_FILE ? 'ADMIN_TLS_KEY_FILE' : 'ADMIN_TLS_CERT_FILE'],
        message: 'is required when ADMIN_TLS_ENABLED=true',
      });
    }
    if (s.AGENT_TIMEOUT >= s.MAX_INACTIVE_TIME) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAX_INACTIVE_TIME'],
        message: 'must be longer than AGENT_TIMEOUT',
      });
    }
  });

export type Settings = Readonly<z.output<typeof settingsSchema>>;
export type SettingName = keyof z.input<typeof settingsSchema>;
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as SettingName[];

/** Seed 004 spelled these with a SIRIUS_ prefix; both spellings are accepted. */
export const SETTING_ALIASES: Readonly<Record<string, SettingName>> = {
  SIRIUS_LOG_LEVEL: 'LOG_LEVEL',
  SIRIUS_LOG_FORMAT: 'LOG_FORMAT',
};
