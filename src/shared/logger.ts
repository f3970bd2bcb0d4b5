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
  if (options.format === 'pretty') return pino(base, prettyStderr());
  return pino(base, pino.destination({ dest: 2, sync: false }));
}

/** A logger that drops everything; for tests and the CLI's quiet paths. */
export const silentLogger: Logger = pino({ level: 'silent' });

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const OMIT = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

/** Formats one pino JSON line for people: `time LEVEL [component] message key=value …`. */
export function formatPretty(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const fields = Object.entries(record)
    .filter(([key]) => !OMIT.has(key) && key !== 'component')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const component = typeof record.component === 'string' ? ` [${record.component}]` : '';
  const level = LEVEL_NAMES[Number(record.level)] ?? String(record.level);
  return `${String(record.time ?? '')} ${level.padEnd(5)}${component} ${String(record.msg ?? '')}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`;
}

function prettyStderr(): pino.DestinationStream {
  return { write: (line: string) => void process.stderr.write(formatPretty(line)) };
}
