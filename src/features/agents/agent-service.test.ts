import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import { liveStateFixture } from './agent-store.fixtures.js';
import { ENROLLMENT_RETRY_WINDOW_MS } from './agent-service.js';
import type { CorralError } from '../../shared/errors.js';

let t: TestServices;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  t = await openTestServices({ clock });
});
afterEach(() => t.close());

const facts = {
  name: 'web-01',
  hostname: 'web-01',
  ipAddress: '192.168.1.100',
  version: '1.0.0',
  type: 'blocking',
  platform: 'linux',
  capabilities: ['rate_limiting', 'http_blocking'],
  labels: { env: 'prod' },
};
const failure = async (promise: Promise<unknown>): Promise<CorralError> => {
  try {
    await promise;
  } catch (error) {
    return error as CorralError;
  }
  throw new Error('expected a failure');
};

describe('AgentService.enroll, retried with the same enrollment nonce', () => {
  const nonce = 'n0nce-of-22-chars-or-more_';
  const first = (secret: string, agentId = 'agent-001', enrollmentNonce = nonce) =>
    t.services.agents.enroll({ enrollmentSecret: secret, agentId, facts, credential: '', enrollmentNonce });

  it('answers again with a new credential, spends no use and replaces the lost credential', async () => {
    const { secret, record } = await t.services.enrollment.create(t.admin, { name: 'x', maxUses: 1 });
    const lost = await first(secret);
    clock.advance(30_000);
    const again = await first(secret);
    expect(again).toMatchObject({ agentId: 'agent-001', reEnrolled: false });
    expect(again.credential).toMatch(/^cac_/);
    expect(again.credential).not.toBe(lost.credential);
    expect((await t.services.enrollment.get(record.id)).uses).toBe(1);
    await expect(t.services.agents.verifyCredential('agent-001', again.credential!)).resolves.toMatchObject({
      id: 'agent-001',
    });
    expect((await failure(t.services.agents.verifyCredential('agent-001', lost.credential!))).code).toBe(
      'unauthenticated',
    );
    const events = await t.services.events.list(
      { types: ['agent_registered', 'agent_updated'] },
      { limit: 10, order: 'asc' },
    );
    expect(events.items.map((e) => [e.type, e.data['reason'] ?? null])).toEqual([
      ['agent_registered', null],
      ['agent_updated', 'enrollment_retried'],
    ]);
  });

  it('is not a retry with another nonce, another secret, after the agent was seen, or after 10 minutes', async () => {
    const { secret } = await t.services.enrollment.create(t.admin, { name: 'x' });
    const { secret: other } = await t.services.enrollment.create(t.admin, { name: 'other' });
    await first(secret);
    expect((await failure(first(secret, 'agent-001', `${nonce}x`))).code).toBe('already_exists');
    expect((await failure(first(other))).code).toBe('already_exists');

    await first(secret, 'agent-002');
    await t.backends.db.agents.applyLiveStates([liveStateFixture('agent-002', { lastSeenAt: clock.now() })]);
    expect((await failure(first(secret, 'agent-002'))).code).toBe('already_exists');

    await first(secret, 'agent-003');
    clock.advance(ENROLLMENT_RETRY_WINDOW_MS + 1);
    expect((await failure(first(secret, 'agent-003'))).code).toBe('already_exists');
  });

  it('refuses a nonce that is too short or not base64url, naming the field', async () => {
    const { secret } = await t.services.enrollment.create(t.admin, { name: 'x' });
    for (const bad of ['short', 'has spaces but is long enough!!']) {
      const error = await failure(first(secret, 'agent-001', bad));
      expect(error.code).toBe('invalid_argument');
      expect(error.violations).toEqual([
        { field: 'enrollmentNonce', description: 'must be 22-128 base64url characters' },
      ]);
    }
    await expect(t.services.agents.get('agent-001')).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('AgentService.enroll', () => {
  it('registers an agent, spends one use of the secret, and records agent_registered', async () => {
    const { secret, record } = await t.services.enrollment.create(t.admin, { name: 'x', maxUses: 1 });
    const result = await t.services.agents.enroll({
      enrollmentSecret: secret,
      agentId: 'agent-001',
      facts,
      credential: '',
    });
    expect(result).toMatchObject({ agentId: 'agent-001', reEnrolled: false });
    expect(result.credential).toMatch(/^cac_/);
    const agent = await t.services.agents.get('agent-001');
    expect(agent).toMatchObject({
      status: 'offline',
      health: 'unknown',
      capabilities: ['http_blocking', 'rate_limiting'],
      enrollmentSecretId: record.id,
    });
    expect((await t.services.enrollment.get(record.id)).uses).toBe(1);
    const events = await t.services.events.list({ types: ['agent_registered'] }, { limit: 10, order: 'asc' });
    expect(events.items.map((e) => e.subject.id)).toEqual(['agent-001']);
    // The secret is used up.
    expect(
      (
        await failure(
          t.services.agents.enroll({ enrollmentSecret: secret, agentId: 'agent-002', facts, credential: '' }),
        )
      ).code,
    ).toBe('unauthenticated');
  });

  it('assigns an id when the agent brings none', async () => {
    const { secret } = await t.services.enrollment.create(t.admin, { name: 'x' });
    const result = await t.services.agents.enroll({
      enrollmentSecret: secret,
      agentId: '',
      facts,
      credential: '',
    });
    expect(result.agentId).toMatch(/^[0-9a-z]{26}$/);
  });

  it('refuses a duplicate id without the credential, and a wrong credential', async () => {
    const { credential } = await enrollTestAgent(t, 'agent-001');
    const { secret } = await t.services.enrollment.create(t.admin, { name: 'y' });
    expect(
      (
        await failure(
          t.services.agents.enroll({ enrollmentSecret: secret, agentId: 'agent-001', facts, credential: '' }),
        )
      ).code,
    ).toBe('already_exists');
    const wrong = `cac_${'A'.repeat(43)}`;
    expect(
      (
        await failure(
          t.services.agents.enroll({
            enrollmentSecret: secret,
            agentId: 'agent-001',
            facts,
            credential: wrong,
          }),
        )
      ).code,
    ).toBe('permission_denied');
    expect(credential).not.toBe(wrong);
  });

  it('re-enrolls a known agent with its credential: facts updated, credential kept', async () => {
    const { credential } = await enrollTestAgent(t, 'agent-001');
    const before = await t.services.agents.get('agent-001');
    const { secret } = await t.services.enrollment.create(t.admin, { name: 'y' });
    const result = await t.services.agents.enroll({
      enrollmentSecret: secret,
      agentId: 'agent-001',
      facts: { ...facts, version: '2.0.0' },
      credential,
    });
    expect(result).toEqual({ agentId: 'agent-001', credential: undefined, reEnrolled: true });
    const after = await t.services.agents.get('agent-001');
    expect(after.version).toBe('2.0.0');
    expect(after.revision).toBeGreaterThan(before.revision);
    await expect(t.services.agents.verifyCredential('agent-001', credential)).resolves.toMatchObject({
      id: 'agent-001',
    });
  });

  it('validates facts and names each bad field', async () => {
    const { secret } = await t.services.enrollment.create(t.admin, { name: 'x' });
    const error = await failure(
      t.services.agents.enroll({
        enrollmentSecret: secret,
        agentId: 'bad id!',
        facts: { ...facts, ipAddress: '999.1.1.1' },
        credential: '',
      }),
    );
    expect(error.code).toBe('invalid_argument');
    expect(error.violations.map((v) => v.field)).toEqual(['facts.ipAddress']);
    const badId = await failure(
      t.services.agents.enroll({ enrollmentSecret: secret, agentId: 'bad id!', facts, credential: '' }),
    );
    expect(badId.violations.map((v) => v.field)).toEqual(['facts.agentId']);
  });

  it('refuses revoked and expired secrets', async () => {
    const revoked = await t.services.enrollment.create(t.admin, { name: 'r' });
    await t.services.enrollment.revoke(t.admin, revoked.record.id);
    expect(
      (
        await failure(
          t.services.agents.enroll({ enrollmentSecret: revoked.secret, agentId: 'a', facts, credential: '' }),
        )
      ).code,
    ).toBe('unauthenticated');
    const expiring = await t.services.enrollment.create(t.admin, { name: 'e', ttlSeconds: 60 });
    clock.advance(61_000);
    expect(
      (
        await failure(
          t.services.agents.enroll({
            enrollmentSecret: expiring.secret,
            agentId: 'a',
            facts,
            credential: '',
          }),
        )
      ).code,
    ).toBe('unauthenticated');
  });
});

describe('AgentService.unregister', () => {
  it('decommissions the agent, revokes its credential and sessions, and audits it', async () => {
    const { credential } = await enrollTestAgent(t, 'agent-001');
    const { token } = await t.services.sessions.authenticate('agent-001', credential, 'test');
    await t.services.agents.unregister(t.admin, 'agent-001');
    expect((await t.services.agents.get('agent-001')).status).toBe('decommissioned');
    expect((await failure(t.services.agents.verifyCredential('agent-001', credential))).code).toBe(
      'unauthenticated',
    );
    expect((await failure(t.services.sessions.validate(token))).code).toBe('unauthenticated');
    const audit = await t.services.audit.list({ action: 'agent.unregister' }, { limit: 10 });
    expect(audit.items.map((a) => [a.targetId, a.outcome, a.actor])).toEqual([
      ['agent-001', 'success', 'api_key:test-admin'],
    ]);
    // Unregistering again is not found, and that failure is audited too.
    expect((await failure(t.services.agents.unregister(t.admin, 'agent-001'))).code).toBe('not_found');
    const failures = await t.services.audit.list(
      { action: 'agent.unregister', outcome: 'failure' },
      { limit: 10 },
    );
    expect(failures.items.map((a) => a.errorCode)).toEqual(['not_found']);
  });

  it('lets a decommissioned id enroll anew with a fresh credential', async () => {
    const first = await enrollTestAgent(t, 'agent-001');
    await t.services.agents.unregister(t.admin, 'agent-001');
    const second = await enrollTestAgent(t, 'agent-001');
    expect(second.credential).not.toBe(first.credential);
    expect((await t.services.agents.get('agent-001')).status).toBe('offline');
  });
});

describe('AgentService.updateMetadata', () => {
  it('applies a patch at the expected revision and refuses a stale one', async () => {
    await enrollTestAgent(t, 'agent-001');
    const { revision } = await t.services.agents.get('agent-001');
    const updated = await t.services.agents.updateMetadata(
      t.admin,
      'agent-001',
      { labels: { env: 'staging' } },
      revision,
    );
    expect(updated.labels).toEqual({ env: 'staging' });
    expect(
      (await failure(t.services.agents.updateMetadata(t.admin, 'agent-001', { name: 'x' }, revision))).code,
    ).toBe('precondition_failed');
    expect(
      (await failure(t.services.agents.updateMetadata(t.admin, 'agent-001', { hostname: 'x' }))).code,
    ).toBe('invalid_argument');
  });
});
