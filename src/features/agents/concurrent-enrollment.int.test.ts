// Enrollments at the same moment on PostgreSQL, where transactions really run
// side by side (SQLite runs them one after another): a secret is never spent
// past its uses, and an enrollment refused for it leaves nothing behind.
import { expect, it } from 'vitest';
import { openTestServices } from '../../app/test-services.js';
import { describeOnPostgres, isolatedPostgresSchema } from '../../infra/store/sql/test-databases.fixtures.js';

const facts = {
  name: 'n',
  hostname: 'h',
  ipAddress: '10.0.0.1',
  version: '1.0.0',
  type: 'edr',
  platform: 'linux',
  capabilities: [],
  labels: {},
};

describeOnPostgres('concurrent enrollment on PostgreSQL', () => {
  const schema = isolatedPostgresSchema();

  it('spends a secret exactly up to its uses, however many agents enroll at once', async () => {
    const t = await openTestServices({ storeUrl: schema.url });
    try {
      const { secret, record } = await t.services.enrollment.create(t.admin, { name: 'x', maxUses: 5 });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 16 }, (_, i) =>
          t.services.agents.enroll({
            enrollmentSecret: secret,
            agentId: `agent-${i}`,
            facts,
            credential: '',
          }),
        ),
      );
      const refused = outcomes.filter((o) => o.status === 'rejected');
      expect(outcomes.length - refused.length).toBe(5);
      for (const o of refused) expect(o).toMatchObject({ reason: { code: 'unauthenticated' } });
      expect((await t.services.enrollment.get(record.id)).uses).toBe(5);
      const enrolled = await t.backends.db.agents.list({}, { limit: 100 });
      expect(enrolled.items).toHaveLength(5);
      const registered = await t.services.events.list(
        { types: ['agent_registered'] },
        { limit: 100, order: 'asc' },
      );
      expect(registered.items).toHaveLength(5);
    } finally {
      await t.close();
    }
  });
});
