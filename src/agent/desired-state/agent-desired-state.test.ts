// AgentDesiredState: a configuration really changes the agent's logger level
// and report interval, unless the operator fixed the level (or the logger is
// silent); a simulated crash forgets both.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { BUILT_IN_DEFAULTS } from '../../features/configuration/agent-configuration.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { AgentDesiredState, agentLogger } from './agent-desired-state.js';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

function capturingLogger(level: string): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level }, destination), lines };
}

function desiredState(base: Logger, levelFixed = false) {
  const { logger, adjustable } = agentLogger(base, levelFixed);
  const onIntervalChanged = vi.fn();
  const state = new AgentDesiredState({
    logger,
    logLevelAdjustable: adjustable,
    capabilities: [],
    limits: { maxEventBufferKiB: 65_536, tracing: true },
    clock: { now: () => 0 },
    onIntervalChanged,
    onOutcome: () => undefined,
  });
  const configure = (hash: string, changes: object) =>
    state.channel.onConfiguration({
      hash,
      configJson: JSON.stringify({ ...BUILT_IN_DEFAULTS, ...changes }),
      revisionIds: [],
    });
  return { state, logger, configure, onIntervalChanged };
}

describe('AgentDesiredState', () => {
  it("changes the agent's log level at once, without touching the logger it was given", async () => {
    const { logger: base, lines } = capturingLogger('info');
    const { logger, configure } = desiredState(base);
    logger.debug('before');
    configure(HASH_A, { logLevel: 'debug' });
    logger.debug('after');
    await vi.waitFor(() => expect(lines.some((line) => line.includes('"after"'))).toBe(true));
    expect(lines.some((line) => line.includes('"before"'))).toBe(false);
    expect(logger.level).toBe('debug');
    expect(base.level).toBe('info');
  });

  it('keeps a level the operator fixed, and a silent logger silent', () => {
    const fixed = desiredState(capturingLogger('warn').logger, true);
    fixed.configure(HASH_A, { logLevel: 'trace' });
    expect(fixed.logger.level).toBe('warn');
    expect(fixed.state.configuration.running?.config.logLevel).toBe('trace');

    const silent = desiredState(silentLogger);
    silent.configure(HASH_A, { logLevel: 'debug' });
    expect(silent.logger).toBe(silentLogger);
    expect(silentLogger.level).toBe('silent');
  });

  it('changes the report interval and tells the heartbeat stream to retime', () => {
    const { state, configure, onIntervalChanged } = desiredState(silentLogger);
    expect(state.configuredIntervalMs).toBeUndefined();
    configure(HASH_A, { reportIntervalSeconds: 2 });
    expect(state.configuredIntervalMs).toBe(2_000);
    expect(onIntervalChanged).toHaveBeenCalledTimes(1);
    // Same interval in a new configuration: nothing to retime.
    configure(HASH_B, { reportIntervalSeconds: 2, logLevel: 'warn' });
    expect(onIntervalChanged).toHaveBeenCalledTimes(1);
  });

  it('forgets the configuration and its effects on a simulated crash', () => {
    const { state, logger, configure } = desiredState(capturingLogger('info').logger);
    configure(HASH_A, { logLevel: 'error', reportIntervalSeconds: 3 });
    state.reset();
    expect(state.configuration.running).toBeUndefined();
    expect(state.configuredIntervalMs).toBeUndefined();
    expect(logger.level).toBe('info');
  });
});
