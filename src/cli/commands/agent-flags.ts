// Validation of the flags `corral agent`, `simulate` and `loadtest` share. Each
// reader turns one raw flag value into a typed one or throws a UsageError that
// names the flag, so a typo never gets as far as the network.
import type { Command } from 'commander';
import { accessSync, constants } from 'node:fs';
import type { FailureModes } from '../../agent/commands/command-types.js';
import { isCorralError } from '../../shared/errors.js';
import type { LogLevel } from '../../shared/logger.js';
import { parseDuration } from '../../shared/duration.js';
import { UsageError } from '../usage-error.js';

export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
export const ENROLL_SECRET_ENV = 'CORRAL_ENROLL_SECRET';
export const SERVER_FLAG_HELP =
  'Corral gRPC endpoint; several instances of one fleet separated by commas: the agent keeps to one that works and moves to the next when it fails or drains';
export const ONE_DAY_MS = 86_400_000;
/** Heartbeat interval overrides: faster is a bug, slower makes the agent look dead. */
export const HEARTBEAT_BOUNDS = { minMs: 100, maxMs: 3_600_000 } as const;

const AGENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TOKEN = /^[A-Za-z0-9._:/-]{1,64}$/;
const LABEL_KEY = /^[A-Za-z0-9._/-]{1,63}$/;
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
/** gRPC name-resolver targets, passed through as they are. */
const GRPC_TARGET = /^(dns|ipv4|ipv6|unix|unix-abstract|vsock):/;
/** More instances than an agent needs to know; a longer list is a mistake. */
const MAX_SERVER_ADDRESSES = 32;

export function serverAddress(flag: string, value: string | undefined): string {
  if (!value) throw new UsageError(`${flag} is required (host:port of the Corral gRPC endpoint)`);
  if (GRPC_TARGET.test(value)) return value;
  const match = HOST_PORT.exec(value);
  const port = Number(match?.[2]);
  if (!match || !(port >= 1 && port <= 65_535)) {
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is not host:port (e.g. corral.example.com:7443)`);
  }
  return value;
}

/**
 * A comma-separated list of server addresses (`a:7443,b:7443`), each checked
 * like serverAddress; a bad one is named. Duplicates are dropped. A gRPC
 * resolver target (dns:, ipv4:, unix:, …) is taken whole, as gRPC reads it
 * (ipv4: and ipv6: targets list their own addresses with commas).
 */
export function serverAddresses(flag: string, value: string | undefined): readonly string[] {
  if (!value || GRPC_TARGET.test(value)) return [serverAddress(flag, value)];
  const parts = value.split(',').map((part) => part.trim());
  if (parts.some((part) => part === '')) {
    throw new UsageError(
      `${flag}: ${JSON.stringify(value)} has an empty address (addresses are separated by commas)`,
    );
  }
  if (parts.length > MAX_SERVER_ADDRESSES) {
    throw new UsageError(`${flag}: at most ${MAX_SERVER_ADDRESSES} addresses, got ${parts.length}`);
  }
  return [...new Set(parts.map((part) => serverAddress(flag, part)))];
}

export function duration(flag: string, value: string, bounds: { minMs: number; maxMs?: number }): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (error) {
    if (isCorralError(error)) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
  if (ms < bounds.minMs || (bounds.maxMs !== undefined && ms > bounds.maxMs)) {
    const range =
      bounds.maxMs === undefined ? `at least ${bounds.minMs} ms` : `${bounds.minMs} ms to ${bounds.maxMs} ms`;
    throw new UsageError(`${flag}: ${JSON.stringify(value)} is out of range (${range})`);
  }
  return ms;
}

/** A progress report interval: 0 (no reports) or at least 100 ms, at most a day. */
export function reportInterval(flag: string, value: string): number {
  const ms = duration(flag, value, { minMs: 0, maxMs: ONE_DAY_MS });
  if (ms !== 0 && ms < 100) throw new UsageError(`${flag}: must be 0 or at least 100ms`);
  return ms;
}

/** A prefix for simulated agent ids `<prefix>-1` … `<prefix>-<agents>`. */
export function idPrefix(flag: string, value: string, agents: number): string {
  const prefix = agentId(flag, value);
  if (`${prefix}-${agents}`.length > 128)
    throw new UsageError(`${flag}: too long for 128-character agent ids`);
  return prefix;
}

export function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= min && n <= max))
    throw new UsageError(`${flag}: ${JSON.stringify(value)} must be a whole number from ${min} to ${max}`);
  return n;
}

export function agentId(flag: string, value: string): string {
  if (!AGENT_ID.test(value)) {
    throw new UsageError(`${flag}: ${JSON.stringify(value)} must be 1-128 characters of A-Z a-z 0-9 . _ : -`);
  }
  return value;
}

export function text(flag: string, value: string, maxLength: number): string {
  if (value.trim() === '' || value.length > maxLength) {
    throw new UsageError(`${flag}: must be non-empty and at most ${maxLength} characters`);
  }
  return value;
}

export function token(flag: string, value: string): string {
  if (!TOKEN.test(value))
    throw new UsageError(
      `${flag}: ${JSON.stringify(value)} must be 1-64 characters of A-Z a-z 0-9 . _ : / -`,
    );
  return value;
}

/** A comma list of tokens (`a,b`); empty items are an error, duplicates are dropped. */
export function tokenList(flag: string, value: string): string[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === ''))
    throw new UsageError(`${flag}: ${JSON.stringify(value)} has an empty item`);
  return [...new Set(items.map((item) => token(flag, item)))];
}

export function labels(flag: string, values: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of values) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (eq < 0 || !LABEL_KEY.test(key)) {
      throw new UsageError(
        `${flag}: ${JSON.stringify(pair)} must be key=value with a key of A-Z a-z 0-9 . _ / - (up to 63)`,
      );
    }
    if (value.length > 256)
      throw new UsageError(`${flag}: the value of ${key} is longer than 256 characters`);
    if (key in result) throw new UsageError(`${flag}: ${key} is given twice`);
    result[key] = value;
  }
  return result;
}

export function readableFile(flag: string, path: string): string {
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new UsageError(`${flag}: cannot read ${path}`);
  }
  return path;
}

export function logLevel(flag: string, value: string): LogLevel {
  const level = LOG_LEVELS.find((l) => l === value);
  if (!level)
    throw new UsageError(`${flag}: ${JSON.stringify(value)} must be one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

export function enrollmentSecret(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '' || /\s/.test(value)) {
    throw new UsageError(`${flag} (or ${ENROLL_SECRET_ENV}): must be non-empty and without spaces`);
  }
  return value;
}

/** A JSON object, e.g. command parameters. */
export function jsonObject(flag: string, value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new UsageError(`${flag}: not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`${flag}: must be a JSON object, e.g. '{"durationSeconds":1}'`);
  return parsed as Record<string, unknown>;
}

/** Commander collector for repeatable flags. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Resolves on the first SIGTERM or SIGINT; a second signal gets the default (immediate) behaviour. */
export function firstSignal(): { readonly received: Promise<NodeJS.Signals>; dispose(): void } {
  let dispose = (): void => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      dispose();
      resolve(signal);
    };
    dispose = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  return { received, dispose };
}

/** `--heartbeat-interval`, when given, as the option object both agent commands spread. */
export function heartbeatIntervalOption(value: string | undefined): { heartbeatIntervalMs?: number } {
  return value === undefined
    ? {}
    : { heartbeatIntervalMs: duration('--heartbeat-interval', value, HEARTBEAT_BOUNDS) };
}

/** The schema's largest bufferSizes.eventBufferKiB: a larger budget could never matter. */
export const MAX_EVENT_BUFFER_KIB = 1_048_576;
export const MAX_BUFFER_FLAG_HELP =
  "memory budget for the agent's event buffer in KiB: configurations asking for more are refused (default 65536)";

/** `--max-buffer-kib`, when given, as the option object both agent commands spread. */
export function maxBufferOption(value: string | undefined): { maxEventBufferKiB?: number } {
  return value === undefined
    ? {}
    : { maxEventBufferKiB: wholeNumber('--max-buffer-kib', value, 1, MAX_EVENT_BUFFER_KIB) };
}

/** The simulated failure flags (seed 004) both agent commands take. */
export interface FailureFlags {
  readonly failRate?: string;
  readonly addedLatency?: string;
  readonly crashAfter?: string;
  readonly stallRate?: string;
}

export const MAX_ADDED_LATENCY_MS = 3_600_000;
export const MAX_CRASH_AFTER = 1_000_000;

/** Adds --fail-rate, --added-latency, --crash-after and --stall-rate to a command. */
export function addFailureFlags(command: Command, crashEffect: string): Command {
  return command
    .option('--fail-rate <0..1>', 'simulate failures: share of commands that fail instead of running')
    .option('--added-latency <duration>', 'simulate slowness: delay before each command reports its outcome')
    .option('--crash-after <n>', `simulate a crash after n finished commands: ${crashEffect}`)
    .option('--stall-rate <0..1>', 'simulate hangs: share of commands neither receipted nor answered');
}

/** A fraction from 0 to 1, e.g. 0.05. */
export function rate(flag: string, value: string): number {
  const n = /^(0|1|0?\.\d+|1\.0*)$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(n >= 0 && n <= 1))
    throw new UsageError(`${flag}: ${JSON.stringify(value)} must be a number from 0 to 1`);
  return n;
}

/** The failure flags, when any is given, as the option object both agent commands spread. */
export function failureModesOption(flags: FailureFlags): { failureModes?: FailureModes } {
  const modes: { -readonly [K in keyof FailureModes]: FailureModes[K] } = {};
  if (flags.failRate !== undefined) modes.failRate = rate('--fail-rate', flags.failRate);
  if (flags.addedLatency !== undefined) {
    modes.addedLatencyMs = duration('--added-latency', flags.addedLatency, {
      minMs: 0,
      maxMs: MAX_ADDED_LATENCY_MS,
    });
  }
  if (flags.crashAfter !== undefined)
    modes.crashAfter = wholeNumber('--crash-after', flags.crashAfter, 1, MAX_CRASH_AFTER);
  if (flags.stallRate !== undefined) modes.stallRate = rate('--stall-rate', flags.stallRate);
  return Object.keys(modes).length === 0 ? {} : { failureModes: modes };
}

export interface CommandLimitFlags {
  readonly maxConcurrentCommands?: string;
  readonly commandCapacity?: string;
}

export const MAX_CONCURRENT_COMMANDS = 1_000;
export const MAX_COMMAND_CAPACITY = 10_000;

/** Adds --max-concurrent-commands and --command-capacity to an agent command. */
export function addCommandLimitFlags(command: Command): Command {
  return command
    .option('--max-concurrent-commands <n>', 'commands the agent runs at once (default 4)')
    .option(
      '--command-capacity <n>',
      'commands the agent takes at once, running plus queued; told to the server (default 4 x concurrency)',
    );
}

/** The command limits, when given, as the option object both agent commands spread. */
export function commandLimitsOption(flags: CommandLimitFlags): {
  maxConcurrentCommands?: number;
  commandCapacity?: number;
} {
  return {
    ...(flags.maxConcurrentCommands === undefined
      ? {}
      : {
          maxConcurrentCommands: wholeNumber(
            '--max-concurrent-commands',
            flags.maxConcurrentCommands,
            1,
            MAX_CONCURRENT_COMMANDS,
          ),
        }),
    ...(flags.commandCapacity === undefined
      ? {}
      : {
          commandCapacity: wholeNumber('--command-capacity', flags.commandCapacity, 1, MAX_COMMAND_CAPACITY),
        }),
  };
}
