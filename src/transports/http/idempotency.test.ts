// The Idempotency-Key store: replay, conflict, failures not kept, expiry,
// bounds, and scoping by principal and route.
import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../shared/clock.js';
import { CorralError } from '../../shared/errors.js';
import { IdempotencyStore } from './idempotency.js';
import { HttpProblem } from './problem.js';

const scope = (key: string | undefined, body: unknown = { name: 'a' }, principal = 'api_key:1') => ({
  principal,
  route: 'POST /things',
  key,
  body,
});

describe('IdempotencyStore', () => {
  it('runs every request without a key', async () => {
    const store = new IdempotencyStore(new FakeClock());
    const create = vi.fn(async () => ({ status: 201, body: { id: 'x' } }));
    await store.run(scope(undefined), create);
    await store.run(scope(undefined), create);
    expect(create).toHaveBeenCalledTimes(2);
    expect(store.size).toBe(0);
  });

  it('replays the first response for the same key and body (key order does not matter)', async () => {
    const store = new IdempotencyStore(new FakeClock());
    let n = 0;
    const create = async () => ({ status: 201, body: { id: `created-${++n}` } });
    const first = await store.run(scope('k1', { a: 1, b: 2 }), create);
    const again = await store.run(scope('k1', { b: 2, a: 1 }), create);
    expect(first).toEqual({ status: 201, body: { id: 'created-1' }, replayed: false });
    expect(again).toEqual({ status: 201, body: { id: 'created-1' }, replayed: true });
  });

  it('shares one run between concurrent requests with the same key', async () => {
    const store = new IdempotencyStore(new FakeClock());
    const create = vi.fn(async () => ({ status: 201, body: {} }));
    const results = await Promise.all([store.run(scope('k'), create), store.run(scope('k'), create)]);
    expect(create).toHaveBeenCalledTimes(1);
    expect(results.map((r) => r.replayed).sort()).toEqual([false, true]);
  });

  it('refuses the same key with another body with 422', async () => {
    const store = new IdempotencyStore(new FakeClock());
    await store.run(scope('k1', { name: 'a' }), async () => ({ status: 201, body: {} }));
    const refused = store.run(scope('k1', { name: 'b' }), async () => ({ status: 201, body: {} }));
    await expect(refused).rejects.toBeInstanceOf(HttpProblem);
    await expect(refused).rejects.toMatchObject({ status: 422, code: 'idempotency_key_reused' });
  });

  it('does not keep failures, so the request can be retried under its key', async () => {
    const store = new IdempotencyStore(new FakeClock());
    await expect(store.run(scope('k1'), async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    const retried = await store.run(scope('k1'), async () => ({ status: 201, body: { ok: true } }));
    expect(retried.replayed).toBe(false);
  });

  it('scopes keys by principal and route', async () => {
    const store = new IdempotencyStore(new FakeClock());
    const create = vi.fn(async () => ({ status: 201, body: {} }));
    await store.run(scope('k1', {}, 'api_key:1'), create);
    await store.run(scope('k1', {}, 'api_key:2'), create);
    await store.run({ ...scope('k1', {}, 'api_key:1'), route: 'POST /others' }, create);
    expect(create).toHaveBeenCalledTimes(3);
  });

  it('forgets a key after its time to live', async () => {
    const clock = new FakeClock();
    const store = new IdempotencyStore(clock, { ttlMs: 1000, maxEntries: 10 });
    const create = vi.fn(async () => ({ status: 201, body: {} }));
    await store.run(scope('k1'), create);
    clock.advance(1001);
    expect((await store.run(scope('k1', { other: true }), create)).replayed).toBe(false);
    expect(create).toHaveBeenCalledTimes(2);
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const store = new IdempotencyStore(new FakeClock(), { ttlMs: 60_000, maxEntries: 2 });
    const create = vi.fn(async () => ({ status: 201, body: {} }));
    for (const key of ['a', 'b', 'c']) await store.run(scope(key), create);
    expect(store.size).toBe(2);
    expect((await store.run(scope('a'), create)).replayed).toBe(false);
    expect((await store.run(scope('c'), create)).replayed).toBe(true);
  });

  it('refuses a malformed key naming the header', async () => {
    const store = new IdempotencyStore(new FakeClock());
    const refused = store.run(scope('has space'), async () => ({ status: 201, body: {} }));
    await expect(refused).rejects.toBeInstanceOf(CorralError);
    await expect(refused).rejects.toMatchObject({
      code: 'invalid_argument',
      violations: [{ field: 'Idempotency-Key' }],
    });
  });
});
