// The maintenance switch is one for the fleet: two sets of services on the
// same store (as two instances are) agree on it once the other refreshes, a
// new instance adopts it, and MAINTENANCE_MODE=true at start stores it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openTestServices, type TestServices } from '../../app/test-services.js';

let dir: string;
let storeUrl: string;
const opened: TestServices[] = [];
const open = async (maintenanceMode = false) => {
  const t = await openTestServices({ storeUrl, maintenanceMode });
  opened.push(t);
  await t.services.maintenance.load();
  return t;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'corral-maintenance-'));
  storeUrl = `sqlite:${join(dir, 'corral.db')}`;
});
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close();
  rmSync(dir, { recursive: true, force: true });
});

it('switched on one instance, holds on the other after its refresh, and is off again for both', async () => {
  const a = await open();
  const b = await open();
  const heard: boolean[] = [];
  b.services.maintenance.onChange((state) => heard.push(state.enabled));
  await a.services.maintenance.set(a.admin, { enabled: true, reason: 'upgrade' });
  expect(b.services.maintenance.current.enabled).toBe(false);
  await b.services.maintenance.refresh();
  expect(b.services.maintenance.current).toMatchObject({
    enabled: true,
    reason: 'upgrade',
    by: a.admin.principal.actor,
  });
  await b.services.maintenance.set(b.admin, { enabled: false });
  await a.services.maintenance.refresh();
  expect(a.services.maintenance.current.enabled).toBe(false);
  expect(heard).toEqual([true, false]);
});

it('is adopted by an instance that starts later, and survives restarts', async () => {
  const a = await open();
  await a.services.maintenance.set(a.admin, { enabled: true, reason: 'window' });
  await a.close();
  opened.splice(0);
  const later = await open();
  expect(later.services.maintenance.current).toMatchObject({ enabled: true, reason: 'window' });
});

it('is stored for the fleet by an instance started with MAINTENANCE_MODE=true, audited as the system', async () => {
  await open(true);
  const other = await open();
  expect(other.services.maintenance.current).toMatchObject({ enabled: true, by: 'MAINTENANCE_MODE' });
  const audit = await other.services.audit.list({ action: 'maintenance.set' }, { limit: 10 });
  expect(audit.items.map((entry) => [entry.actor, entry.details.enabled])).toEqual([['system', true]]);
});
