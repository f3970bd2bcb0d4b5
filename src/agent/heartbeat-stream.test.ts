// HeartbeatStream's interval (on fake timers): the configuration's interval
// wins over the server's and is picked up at once through retime(), the
// operator's fixed interval wins over both; configuration and policy messages
// reach their hooks.
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentMessage } from '../gen/proto/corral/agent/v1/AgentMessage.js';
import type { ServerMessage__Output } from '../gen/proto/corral/agent/v1/ServerMessage.js';
import { silentLogger } from '../shared/logger.js';
import type { ConnectStream } from './agent-rpc.js';
import type { HeartbeatStreamOptions } from './heartbeat-stream.js';
import { HeartbeatStream } from './heartbeat-stream.js';

class FakeCall extends EventEmitter {
  readonly written: AgentMessage[] = [];
  writableNeedDrain = false;
  write(message: AgentMessage): boolean {
    this.written.push(message);
    return true;
  }
  end(): void {
    this.emit('status', { code: 0 });
  }
  cancel(): void {
    this.emit('status', { code: 1 });
  }
  get heartbeats(): number {
    return this.written.filter((m) => m.heartbeat).length;
  }
  receive(message: Partial<ServerMessage__Output>): void {
    this.emit('data', message);
  }
}

let call: FakeCall;
let halt: AbortController;
beforeEach(() => {
  vi.useFakeTimers();
  call = new FakeCall();
  halt = new AbortController();
});
afterEach(() => {
  halt.abort();
  vi.useRealTimers();
});

function stream(overrides: Partial<HeartbeatStreamOptions> = {}): HeartbeatStream {
  let sequence = 0;
  const subject = new HeartbeatStream({
    call: call as unknown as ConnectStream,
    clock: { now: () => Date.now() },
    logger: silentLogger,
    heartbeat: () => ({ sequence: ++sequence }),
    fallbackIntervalMs: 5_000,
    ackTimeoutMs: 60_000,
    closeGraceMs: 10,
    hooks: {},
    signal: halt.signal,
    ...overrides,
  });
  void subject.run();
  call.receive({ kind: 'connectAck', connectAck: { settings: { heartbeatIntervalMs: 10_000 } } as never });
  return subject;
}

describe('HeartbeatStream interval', () => {
  it("follows the configuration's interval from the moment it changes", () => {
    let configured: number | undefined;
    const onIntervalChanged = vi.fn();
    const subject = stream({ configuredIntervalMs: () => configured, hooks: { onIntervalChanged } });
    expect(call.heartbeats).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(call.heartbeats).toBe(2);
    // 3 s after the last beat the configuration asks for 2 s: the next beat is due already.
    vi.advanceTimersByTime(3_000);
    configured = 2_000;
    subject.retime();
    vi.advanceTimersByTime(0);
    expect(call.heartbeats).toBe(3);
    expect(onIntervalChanged).toHaveBeenCalledWith(2_000);
    vi.advanceTimersByTime(2_000);
    expect(call.heartbeats).toBe(4);
    // A longer interval: the next beat waits the new interval after the last one.
    configured = 60_000;
    subject.retime();
    vi.advanceTimersByTime(59_999);
    expect(call.heartbeats).toBe(4);
    vi.advanceTimersByTime(1);
    expect(call.heartbeats).toBe(5);
  });

  it("keeps the operator's fixed interval whatever the configuration says", () => {
    const onIntervalChanged = vi.fn();
    const subject = stream({
      intervalMs: 500,
      configuredIntervalMs: () => 2_000,
      hooks: { onIntervalChanged },
    });
    subject.retime();
    vi.advanceTimersByTime(1_000);
    expect(call.heartbeats).toBe(3);
    expect(onIntervalChanged).not.toHaveBeenCalled();
  });

  it('hands configuration and policy messages to their hooks', () => {
    const onConfiguration = vi.fn();
    const onPolicies = vi.fn();
    stream({ hooks: { onConfiguration, onPolicies } });
    const configuration = { hash: 'h', configJson: '{}', revisionIds: [] };
    const policies = { hash: 'p', policies: [] };
    call.receive({ kind: 'configuration', configuration });
    call.receive({ kind: 'policies', policies });
    expect(onConfiguration).toHaveBeenCalledWith(configuration);
    expect(onPolicies).toHaveBeenCalledWith(policies);
  });
});
