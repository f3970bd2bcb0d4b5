import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import { hashToken } from '../../shared/secret-tokens.js';

let t: TestServices;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  t = await openTestServices({ clock });
});
afterEach(() => t.close());

describe('EnrollmentService', () => {
  it('stores only the hash of a new secret and computes its expiry from a TTL', async () => {
    const { secret, record } = await t.services.enrollment.create(t.admin, {
      name: 'batch 1',
      ttlSeconds: 3600,
      maxUses: 5,
    });
    expect(secret).toMatch(/^ces_/);
    expect(record.secretHash).toBe(hashToken(secret));
    expect(record.expiresAt).toBe(clock.now() + 3_600_000);
    expect(t.services.enrollment.state(record)).toBe('active');
    clock.advance(3_600_000);
    expect(t.services.enrollment.state(await t.services.enrollment.get(record.id))).toBe('expired');
  });

  it('audits a refused request as a failure and stores nothing', async () => {
    await expect(
      t.services.enrollment.create(t.admin, { name: '', maxUses: 0, extra: true }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    expect((await t.services.enrollment.list({ limit: 10 })).items).toEqual([]);
    const audit = await t.services.audit.list({ action: 'enrollment_secret.create' }, { limit: 10 });
    expect(audit.items.map((a) => [a.outcome, a.errorCode])).toEqual([['failure', 'invalid_argument']]);
  });

  it('refuses an expiry in the past, naming the field', async () => {
    await expect(
      t.services.enrollment.create(t.admin, {
        name: 'x',
        expiresAt: new Date(clock.now() - 1000).toISOString(),
      }),
    ).rejects.toMatchObject({
      violations: [{ field: 'expiresAt', description: 'must be in the future' }],
    });
  });
});
