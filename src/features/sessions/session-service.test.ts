import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import { hashToken } from '../../shared/secret-tokens.js';
import type { CorralError } from '../../shared/errors.js';

let t: TestServices;
let clock: FakeClock;
beforeEach(async () => {
  clock = new FakeClock();
  t = await openTestServices({ clock, sessionTtlMs: 60_000 });
});
afterEach(() => t.close());

const code = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return (error as CorralError).code;
  }
  return 'ok';
};

describe('SessionService', () => {
  it('issues a prefixed token, stores only its hash, and validates it until expiry', async () => {
    const { agentId, credential } = await enrollTestAgent(t, 'a1');
    const { token, session } = await t.services.sessions.authenticate(agentId, credential, 'peer');
    expect(token).toMatch(/^cas_[A-Za-z0-9_-]{43}$/);
    expect(session.tokenHash).toBe(hashToken(token));
    expect(session.expiresAt).toBe(clock.now() + 60_000);
    expect((await t.services.sessions.validate(token)).agentId).toBe(agentId);
    clock.advance(60_000);
    expect(await code(t.services.sessions.validate(token))).toBe('unauthenticated');
  });

  it('refuses a wrong credential, an unknown agent and a malformed token', async () => {
    await enrollTestAgent(t, 'a1');
    expect(await code(t.services.sessions.authenticate('a1', `cac_${'x'.repeat(43)}`, 'p'))).toBe(
      'unauthenticated',
    );
    expect(await code(t.services.sessions.authenticate('nobody', `cac_${'x'.repeat(43)}`, 'p'))).toBe(
      'unauthenticated',
    );
    expect(await code(t.services.sessions.validate('not-a-token'))).toBe('unauthenticated');
  });

  it('refresh replaces the token: the old one stops working', async () => {
    const { agentId, credential } = await enrollTestAgent(t, 'a1');
    const first = await t.services.sessions.authenticate(agentId, credential, 'p');
    clock.advance(30_000);
    const second = await t.services.sessions.refresh(first.token);
    expect(second.session.expiresAt).toBe(clock.now() + 60_000);
    expect(await code(t.services.sessions.validate(first.token))).toBe('unauthenticated');
    expect(await code(t.services.sessions.validate(second.token))).toBe('ok');
    expect(await code(t.services.sessions.refresh(first.token))).toBe('unauthenticated');
  });

  it('terminate ends the session for good', async () => {
    const { agentId, credential } = await enrollTestAgent(t, 'a1');
    const { token } = await t.services.sessions.authenticate(agentId, credential, 'p');
    await t.services.sessions.terminate(token, 'bye');
    expect(await code(t.services.sessions.validate(token))).toBe('unauthenticated');
  });

  it('an operator can end a session by id, audited', async () => {
    const { agentId, credential } = await enrollTestAgent(t, 'a1');
    const { token, session } = await t.services.sessions.authenticate(agentId, credential, 'p');
    await t.services.sessions.terminateById(t.admin, session.id);
    expect(await code(t.services.sessions.validate(token))).toBe('unauthenticated');
    expect(await code(t.services.sessions.terminateById(t.admin, session.id))).toBe('not_found');
    const audit = await t.services.audit.list({ action: 'session.terminate' }, { limit: 10 });
    expect(audit.items.map((a) => a.outcome).sort()).toEqual(['failure', 'success']);
  });

  it('the sweep deletes expired sessions and records session_ended', async () => {
    const { agentId, credential } = await enrollTestAgent(t, 'a1');
    await t.services.sessions.authenticate(agentId, credential, 'p');
    await t.services.sessions.authenticate(agentId, credential, 'p');
    expect(await t.services.sessions.sweepExpired()).toBe(0);
    clock.advance(60_001);
    expect(await t.services.sessions.sweepExpired(1)).toBe(2);
    expect((await t.services.sessions.list({ agentId }, { limit: 10 })).items).toEqual([]);
    const ended = await t.services.events.list({ types: ['session_ended'] }, { limit: 10, order: 'asc' });
    expect(ended.items.map((e) => e.data.reason)).toEqual(['expired', 'expired']);
  });
});
