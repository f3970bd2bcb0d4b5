// The configuration an agent runs with, as Corral declares it: a typed,
// validated document. Operators write *layers* — partial documents for the
// fleet, a group or one agent — and an agent's effective configuration is the
// built-in defaults overlaid with the fleet layer, then its groups' layers
// (lowest priority first, so the highest-priority group wins), then its own
// (layering.ts). Pure data and rules; no I/O.
import { z } from 'zod';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const whole = (min: number, max: number) =>
  z
    .number()
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const METADATA_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,62}[A-Za-z0-9])?$/;

/** The full configuration (every field present). Field names are the wire names agents read. */
export const agentConfigurationSchema = z.strictObject({
  logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
  /**
   * How often the agent heartbeats and reports, in seconds. Unset: the
   * server's HEARTBEAT_INTERVAL (told in ConnectAck), so the two cannot disagree
   * unless an operator says so.
   */
  reportIntervalSeconds: whole(1, 3_600).optional(),
  connectionLimits: z.strictObject({
    maxConnections: whole(1, 1_000_000),
    connectTimeoutSeconds: whole(1, 300),
    idleTimeoutSeconds: whole(1, 86_400),
  }),
  bufferSizes: z.strictObject({
    /** Events held before they are sent, in KiB. */
    eventBufferKiB: whole(1, 1_048_576),
    maxBatchSize: whole(1, 100_000),
  }),
  metrics: z.strictObject({
    enabled: z.boolean(),
    intervalSeconds: whole(1, 3_600),
    detailed: z.boolean(),
  }),
  tracing: z.strictObject({
    enabled: z.boolean(),
    sampleRate: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
    /** OTLP endpoint; empty when tracing sends nowhere. */
    endpoint: z.union([z.literal(''), z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })]),
  }),
  /** Free-form key/value metadata the agent attaches to what it reports. */
  metadata: z
    .record(
      z.string().regex(METADATA_KEY, 'keys are 1-64 characters of [A-Za-z0-9._/-]'),
      z.string().max(256),
    )
    .refine((m) => Object.keys(m).length <= 64, 'at most 64 entries'),
});
export type AgentConfiguration = z.output<typeof agentConfigurationSchema>;

/** What an agent runs with when no layer says otherwise. */
export const BUILT_IN_DEFAULTS: AgentConfiguration = {
  logLevel: 'info',
  connectionLimits: { maxConnections: 10_000, connectTimeoutSeconds: 10, idleTimeoutSeconds: 300 },
  bufferSizes: { eventBufferKiB: 4_096, maxBatchSize: 500 },
  metrics: { enabled: true, intervalSeconds: 15, detailed: false },
  tracing: { enabled: false, sampleRate: 0.01, endpoint: '' },
  metadata: {},
};

/**
 * A layer: any subset of the fields, sections partially too. A `null` in a
 * metadata entry removes that key inherited from a lower layer.
 */
export const configurationLayerSchema = z.strictObject({
  logLevel: agentConfigurationSchema.shape.logLevel.optional(),
  reportIntervalSeconds: agentConfigurationSchema.shape.reportIntervalSeconds.optional(),
  connectionLimits: agentConfigurationSchema.shape.connectionLimits.partial().optional(),
  bufferSizes: agentConfigurationSchema.shape.bufferSizes.partial().optional(),
  metrics: agentConfigurationSchema.shape.metrics.partial().optional(),
  tracing: agentConfigurationSchema.shape.tracing.partial().optional(),
  metadata: z
    .record(
      z.string().regex(METADATA_KEY, 'keys are 1-64 characters of [A-Za-z0-9._/-]'),
      z.string().max(256).nullable(),
    )
    .refine((m) => Object.keys(m).length <= 64, 'at most 64 entries')
    .optional(),
});
export type ConfigurationLayer = z.output<typeof configurationLayerSchema>;

/** The sections whose fields merge one by one (the others are single values). */
export const SECTIONS = ['connectionLimits', 'bufferSizes', 'metrics', 'tracing'] as const;

/** Largest layer document accepted, as JSON. */
export const MAX_LAYER_BYTES = 16 * 1024;
