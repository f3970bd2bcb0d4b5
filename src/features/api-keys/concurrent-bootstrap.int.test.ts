// Several instances starting at the same moment on a new PostgreSQL store with
// the same ADMIN_API_KEY (SQLite runs their transactions one after another):
// one stores the key, and none fails to start. The interleaving in which a
// second insert loses on the unique key hash (bootstrap's catch) is not forced
// here: in one process the others usually already see the stored key.
import { expect, it } from 'vitest';
import { openTestServices, type TestServices } from '../../app/test-services.js';
import { describeOnPostgres, isolatedPostgresSchema } from '../../infra/store/sql/test-databases.fixtures.js';

describeOnPostgres('the configured admin key, stored by instances starting together', () => {
  const schema = isolatedPostgresSchema();

  it('is stored once and accepted by every instance', async () => {
    const instances: TestServices[] = [];
    try {
      for (let i = 0; i < 4; i++) instances.push(await openTestServices({ storeUrl: schema.url }));
      const key = 'configured-admin-key-0123456789';
      const results = await Promise.all(instances.map((t) => t.services.apiKeys.bootstrap(key)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(results.every((r) => r.generatedKey === undefined)).toBe(true);
      for (const t of instances) expect((await t.services.apiKeys.authenticate(key)).role).toBe('admin');
      expect(await instances[0]?.backends.db.apiKeys.count()).toBe(1);
    } finally {
      for (const t of instances) await t.close();
    }
  });
});
