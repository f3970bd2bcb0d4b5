// Session refresh scheduling and failure handling, on fake timers and a fake transport.
import { Metadata, status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthenticateResponse__Output } from '../gen/proto/corral/agent/v1/AuthenticateResponse.js';
import type { RefreshSessionResponse__Output } from '../gen/proto/corral/agent/v1/RefreshSessionResponse.js';
import { CorralError } from '../shared/errors.js';
import { silentLogger } from '../shared/logger.js';
import type { AgentRpc } from './agent-rpc.js';
import { SessionKeeper } from './session-keeper.js';

const grpcError = (code: status, details: string) =>
  Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });

const TTL = 60_000;
let tokens = 0;
/** A session whose server-side expiry is an hour behind our clock: only the TTL is trustworthy. */
const skewedSession = () => ({
  sessionId: `s${++tokens}`,
  token: `t${tokens}`,
  expiresAtMs: Date.now() - 3_600_000,
});

function fakeRpc() {
  return {
    authenticate: vi.fn<AgentRpc['authenticate']>(async (): Promise<AuthenticateResponse__Output> => ({
      session: skewedSession(),
      settings: { heartbeatIntervalMs: 5_000, sessionTtlMs: TTL },
    })),
    refreshSession: vi.fn<AgentRpc['refreshSession']>(async (): Promise<RefreshSessionResponse__Output> => ({
      session: skewedSession(),
    })),
    terminateSession: vi.fn<AgentRpc['terminateSession']>(async () => undefined),
    enroll: vi.fn<AgentRpc['enroll']>(),
    connect: vi.fn<AgentRpc['connect']>(),
    close: vi.fn(),
  };
}

describe('SessionKeeper', () => {
  let rpc: ReturnType<typeof fakeRpc>;
  let onFatal: ReturnType<typeof vi.fn<(error: CorralError) => void>>;
  let keeper: SessionKeeper;

  beforeEach(() => {
    vi.useFakeTimers();
    rpc = fakeRpc();
    onFatal = vi.fn<(error: CorralError) => void>();
    keeper = new SessionKeeper({
      rpc: rpc as AgentRpc,
      agentId: 'edge-1',
      credential: 'cac_x',
      clock: { now: () => Date.now() },
      logger: silentLogger,
      hooks: { onFatal },
      random: () => 0,
    });
  });
  afterEach(() => {
    keeper.close();
    vi.useRealTimers();
  });

  it('authenticates once for concurrent callers and reuses the session', async () => {
    const [a, b] = await Promise.all([keeper.acquire(), keeper.acquire()]);
    expect(a).toBe(b);
    expect(await keeper.acquire()).toBe(a);
    expect(rpc.authenticate).toHaveBeenCalledTimes(1);
    expect(rpc.authenticate).toHaveBeenCalledWith(
      { agentId: 'edge-1', credential: 'cac_x' },
      expect.anything(),
    );
  });

  it('refreshes at two thirds of the TTL, trusting the TTL over a skewed expiry', async () => {
    const first = await keeper.acquire();
    await vi.advanceTimersByTimeAsync((TTL * 2) / 3 - 1);
    expect(rpc.refreshSession).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(rpc.refreshSession).toHaveBeenCalledWith(first.token, expect.anything());
    expect(keeper.current?.token).not.toBe(first.token);
    // And again for the new session.
    await vi.advanceTimersByTimeAsync((TTL * 2) / 3);
    expect(rpc.refreshSession).toHaveBeenCalledTimes(2);
    expect(rpc.authenticate).toHaveBeenCalledTimes(1);
  });

  it('retries a refresh that failed for a transient reason, keeping the session meanwhile', async () => {
    const first = await keeper.acquire();
    rpc.refreshSession.mockRejectedValueOnce(grpcError(status.UNAVAILABLE, 'server restarting'));
    keeper.refreshNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(keeper.current).toBe(first);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(rpc.refreshSession).toHaveBeenCalledTimes(2);
    expect(keeper.current?.token).not.toBe(first.token);
  });

  it('authenticates again when a refresh is rejected', async () => {
    await keeper.acquire();
    rpc.refreshSession.mockRejectedValueOnce(grpcError(status.UNAUTHENTICATED, 'session revoked'));
    keeper.refreshNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(rpc.authenticate).toHaveBeenCalledTimes(2);
    expect(onFatal).not.toHaveBeenCalled();
  });

  it('reports a refused credential as fatal instead of retrying', async () => {
    await keeper.acquire();
    rpc.refreshSession.mockRejectedValueOnce(grpcError(status.UNAUTHENTICATED, 'session revoked'));
    rpc.authenticate.mockRejectedValueOnce(grpcError(status.PERMISSION_DENIED, 'agent unregistered'));
    keeper.refreshNow();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(onFatal).toHaveBeenCalledTimes(1);
    expect(onFatal.mock.calls[0]?.[0].message).toMatch(/refused the credential of agent "edge-1"/);
    expect(rpc.authenticate).toHaveBeenCalledTimes(2);
  });

  it('rejects acquire with the refusal when authentication is refused', async () => {
    rpc.authenticate.mockRejectedValueOnce(grpcError(status.UNAUTHENTICATED, 'bad credential'));
    await expect(keeper.acquire()).rejects.toBeInstanceOf(CorralError);
  });

  it('passes transient authentication failures through for the caller to retry', async () => {
    rpc.authenticate.mockRejectedValueOnce(grpcError(status.UNAVAILABLE, 'down'));
    await expect(keeper.acquire()).rejects.toMatchObject({ code: status.UNAVAILABLE });
    await expect(keeper.acquire()).resolves.toMatchObject({ lifetimeMs: TTL });
  });

  it('terminates the session best effort and stops refreshing', async () => {
    const session = await keeper.acquire();
    rpc.terminateSession.mockRejectedValueOnce(grpcError(status.UNAVAILABLE, 'gone'));
    await keeper.terminate('bye', 500);
    expect(rpc.terminateSession).toHaveBeenCalledWith(session.token, 'bye', 500);
    await vi.advanceTimersByTimeAsync(TTL);
    expect(rpc.refreshSession).not.toHaveBeenCalled();
    await expect(keeper.acquire()).rejects.toThrow(/closed/);
  });
});
