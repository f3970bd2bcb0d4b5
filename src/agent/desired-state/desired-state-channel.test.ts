// DesiredStateChannel: reports on the stream, kept (not dropped) while the
// stream cannot take them, carried over to the next stream, de-duplicated by
// hash, and never with a hash or an error the server would refuse.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BUILT_IN_DEFAULTS } from '../../features/configuration/agent-configuration.js';
import type { AgentMessage } from '../../gen/proto/corral/agent/v1/AgentMessage.js';
import type { CommandSink } from '../commands/command-channel.js';
import { until } from '../commands/command-test-helpers.js';
import { ConfigurationApplier } from './configuration-applier.js';
import { DesiredStateChannel, MAX_PENDING_REPORTS } from './desired-state-channel.js';
import { MAX_REPORT_ERROR_CHARS } from './desired-state-types.js';
import { PolicyApplier } from './policy-applier.js';

class FakeSink implements CommandSink {
  readonly messages: AgentMessage[] = [];
  open = true;
  writable(): boolean {
    return this.open;
  }
  write(message: AgentMessage): void {
    this.messages.push(message);
  }
}

const hash = (n: number): string => n.toString(16).padStart(64, '0');
const configUpdate = (n: number, document: unknown = BUILT_IN_DEFAULTS) => ({
  hash: hash(n),
  configJson: JSON.stringify(document),
  revisionIds: [],
});
const APPLIED = 'APPLY_OUTCOME_APPLIED';
const FAILED = 'APPLY_OUTCOME_FAILED';

let channels: DesiredStateChannel[] = [];
afterEach(() => {
  for (const c of channels) c.close();
  channels = [];
});

function channel(maxEventBufferKiB = 65_536) {
  const onOutcome = vi.fn();
  const clock = { now: () => 0 };
  const c = new DesiredStateChannel({
    configuration: new ConfigurationApplier({
      limits: { maxEventBufferKiB, tracing: true },
      effects: { setLogLevel: () => undefined, setReportIntervalMs: () => undefined },
      clock,
    }),
    policies: new PolicyApplier({ capabilities: [], clock }),
    flushIntervalMs: 5,
    onOutcome,
  });
  channels.push(c);
  return { channel: c, onOutcome };
}

describe('DesiredStateChannel', () => {
  it('reports each outcome by hash on the stream at once', () => {
    const { channel: c, onOutcome } = channel();
    const sink = new FakeSink();
    c.attach(sink);
    c.onConfiguration(configUpdate(1));
    c.onPolicies({ hash: hash(2), policies: [] });
    expect(sink.messages).toEqual([
      { configurationReport: { hash: hash(1), outcome: APPLIED, error: '' } },
      { policyReport: { hash: hash(2), outcome: APPLIED, error: '' } },
    ]);
    expect(onOutcome).toHaveBeenCalledWith('configuration', expect.objectContaining({ applied: true }));
    expect(onOutcome).toHaveBeenCalledWith('policies', expect.objectContaining({ applied: true }));
    expect(c.view).toEqual({
      configuration: { hash: hash(1), ...BUILT_IN_DEFAULTS },
      policySet: { hash: hash(2), policies: [] },
    });
  });

  it('keeps reports while the stream applies backpressure and sends them when it can', async () => {
    const { channel: c } = channel(1);
    const sink = new FakeSink();
    sink.open = false;
    c.attach(sink);
    c.onConfiguration(configUpdate(1));
    expect(sink.messages).toEqual([]);
    expect(c.pendingReports).toBe(1);
    sink.open = true;
    await until(() => expect(sink.messages).toHaveLength(1));
    expect(sink.messages[0]?.configurationReport).toMatchObject({ hash: hash(1), outcome: FAILED });
    expect(sink.messages[0]?.configurationReport?.error).toMatch(/bufferSizes\.eventBufferKiB/);
    expect(c.pendingReports).toBe(0);
  });

  it('carries reports made between streams over to the next one, once per hash', () => {
    const { channel: c } = channel();
    c.onConfiguration(configUpdate(1));
    c.onConfiguration(configUpdate(1));
    const sink = new FakeSink();
    c.attach(sink);
    expect(sink.messages).toEqual([{ configurationReport: { hash: hash(1), outcome: APPLIED, error: '' } }]);
    c.detach();
    c.onPolicies({ hash: hash(2), policies: [] });
    const next = new FakeSink();
    c.attach(next);
    expect(next.messages).toEqual([{ policyReport: { hash: hash(2), outcome: APPLIED, error: '' } }]);
  });

  it('gives up only superseded reports when too many wait', () => {
    const { channel: c } = channel();
    c.onPolicies({ hash: hash(0), policies: [] });
    for (let n = 1; n <= MAX_PENDING_REPORTS + 5; n += 1) c.onConfiguration(configUpdate(n));
    expect(c.pendingReports).toBe(MAX_PENDING_REPORTS);
    const sink = new FakeSink();
    c.attach(sink);
    // The lone policy report survives; the newest configuration reports are kept.
    expect(sink.messages[0]).toEqual({ policyReport: { hash: hash(0), outcome: APPLIED, error: '' } });
    expect(sink.messages.at(-1)?.configurationReport?.hash).toBe(hash(MAX_PENDING_REPORTS + 5));
  });

  it('ignores desired state whose hash the server would refuse back', () => {
    const { channel: c, onOutcome } = channel();
    const sink = new FakeSink();
    c.attach(sink);
    c.onConfiguration({ ...configUpdate(1), hash: 'ABC' });
    c.onPolicies({ hash: '', policies: [] });
    expect(sink.messages).toEqual([]);
    expect(onOutcome).not.toHaveBeenCalled();
  });

  it('keeps errors within what the server accepts', () => {
    const { channel: c } = channel();
    const sink = new FakeSink();
    c.attach(sink);
    const manyPolicies = Array.from({ length: 200 }, (_, i) => ({
      policyId: `policy-with-a-long-identifier-${i}`,
      version: 1,
      name: 'p',
      mode: 'enforce',
      rulesJson: '{}}',
    }));
    c.onPolicies({ hash: hash(1), policies: manyPolicies });
    const error = sink.messages[0]?.policyReport?.error ?? '';
    expect(error.length).toBe(MAX_REPORT_ERROR_CHARS);
    expect(error.endsWith('…')).toBe(true);
  });
});
