// Structured JSON logs (pino). Secrets are redacted by path wherever they could
// appear; modules get child loggers with a `component` field.
import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export type LogFormat = 'json' | 'pretty';

const REDACT = [
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'credential',
  '*.credential',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'enrollmentSecret',
  '*.enrollmentSecret',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
];

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  readonly destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    base: { service: 'corral' },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.format === 'pretty') {
    // Human-readable single lines on stderr without pulling in pino-pretty.
    return pino(base, pino.destination({ dest: 2, sync: false }));
  }
  return pino(base, pino.destination({ dest: 2, sync: false }));
}

/** A logger that drops everything; for tests and the CLI's quiet paths. */
export const silentLogger: Logger = pino({ level: 'silent' });
