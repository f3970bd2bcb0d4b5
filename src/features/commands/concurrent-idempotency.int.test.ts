// Requests with the same Idempotency-Key at the same moment on PostgreSQL,
// where transactions really run side by side (as they do when a client retries
// against another instance): one command is created and every request gets it,
// the others as replays; none fails. (SQLite runs the transactions one after
// another, so there the lookup alone decides.)
import { expect, it } from 'vitest';
import { enrollTestAgent, openTestServices } from '../../app/test-services.js';
import { describeOnPostgres, isolatedPostgresSchema } from '../../infra/store/sql/test-databases.fixtures.js';
import type { RequestContext } from '../audit/audited.js';

const operator: RequestContext = {
  principal: { actor: 'api_key:op', name: 'op', role: 'operator' },
  requestId: null,
};

describeOnPostgres('concurrent idempotent command creation on PostgreSQL', () => {
  const schema = isolatedPostgresSchema();

  it('creates one command for a key sent by many requests at once, and replays it to the others', async () => {
    const t = await openTestServices({ storeUrl: schema.url });
    try {
      await enrollTestAgent(t, 'a1');
      const body = { type: 'ping', target: { kind: 'agent', agentId: 'a1' }, idempotencyKey: 'same-key' };
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, () => t.services.commands.create(operator, body)),
      );
      const created = outcomes.map((outcome) => {
        if (outcome.status === 'rejected') throw outcome.reason;
        return outcome.value;
      });
      expect(new Set(created.map((c) => c.command.id)).size).toBe(1);
      expect(created.filter((c) => !c.replayed)).toHaveLength(1);
      expect((await t.services.commands.list({}, { limit: 10, order: 'asc' })).items).toHaveLength(1);
      const events = await t.services.events.list(
        { types: ['command_created'] },
        { limit: 10, order: 'asc' },
      );
      expect(events.items).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
