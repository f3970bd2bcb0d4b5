// openBackends on the embedded default: the instance messenger opened beside
// the bus is a network of one (this instance), and closes with the backends.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../shared/clock.js';
import { ErrorCode } from '../shared/errors.js';
import { silentLogger } from '../shared/logger.js';
import { defaultInstanceId, openBackends } from './backends.js';

const EMBEDDED = { STORE_URL: 'sqlite::memory:', CACHE_URL: 'memory:', BUS_URL: 'memory:' };

describe('openBackends: the instance messenger', () => {
  it('opens one for INSTANCE_ID that reaches this instance and no other', async () => {
    const backends = await openBackends(
      { ...EMBEDDED, INSTANCE_ID: 'node-1' },
      silentLogger,
      new FakeClock(),
    );
    try {
      expect(backends.instanceId).toBe('node-1');
      expect(backends.messenger.instanceId).toBe('node-1');
      const received: unknown[] = [];
      await backends.messenger.onMessage((message, from) => void received.push([message.kind, from]));
      await backends.messenger.send('node-1', { kind: 'ping', data: {} });
      expect(received).toEqual([['ping', 'node-1']]);
      await expect(backends.messenger.send('node-2', { kind: 'ping', data: {} })).rejects.toMatchObject({
        code: ErrorCode.NotFound,
      });
    } finally {
      await backends.close();
    }
    await expect(backends.messenger.send('node-1', { kind: 'ping', data: {} })).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
  });

  it('names the instance after the host and process when INSTANCE_ID is not set', async () => {
    const backends = await openBackends(EMBEDDED, silentLogger, new FakeClock());
    try {
      expect(backends.instanceId).toBe(defaultInstanceId());
      expect(backends.instanceId).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
      expect(backends.instanceId.endsWith(`-${process.pid}`)).toBe(true);
    } finally {
      await backends.close();
    }
  });
});
