// The dashboard in Debian's Chromium (playwright-core), against a real
// `corral serve` with agents from `corral simulate`: sign in, watch agents
// appear live, filter the table, an agent's charts, a command to succeeded, a
// running scan cancelled, a group's configuration applied (drift clears), the
// operator actions (a group edited, a policy assigned to one agent, a bulk
// configuration change, a command type edited, a backup and the state
// downloaded, an import refused), maintenance mode on and off, and a viewer key that is shown no send button
// and refused by the API. Screenshots of each main page go to
// test-results/screenshots. Without Chromium: fails under CI, skips loudly
// elsewhere.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { EXAMPLE_BODY } from '../../src/features/policies/policy.fixtures.js';
import { browserUnavailable, launchBrowser, screenshot, type TestBrowser } from '../support/browser.js';
import { describeRequiring } from '../support/describe-requiring.js';
import {
  allOutputs,
  api,
  killAllProcesses,
  removeTempDirs,
  startServerProcess,
  startSimulatorProcess,
  type ServerProcess,
} from '../support/server-process.js';

const AGENTS = 6;
const FLOW_TIMEOUT_MS = 150_000;
const unavailable = browserUnavailable();

describeRequiring(
  'the dashboard in a browser',
  unavailable,
  "install Debian's chromium (scripts/ci/install-system-packages.sh) or set CORRAL_CHROMIUM",
  describeDashboard,
);

function describeDashboard(): void {
  let server: ServerProcess;
  let browser: TestBrowser;
  let page: Page;
  let viewerKey: string;
  const pageErrors: string[] = [];

  const signIn = async (target: Page, key: string) => {
    await target.goto(`${server.apiUrl}/`);
    await target.getByLabel('API key').fill(key);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await target.getByRole('heading', { name: 'Fleet overview' }).waitFor();
  };
  const go = async (path: string) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: path }).click();
  };
  const agentRows = () =>
    page
      .getByRole('table', { name: 'Agents' })
      .locator('tbody tr')
      .filter({ has: page.getByRole('link') });

  beforeAll(async () => {
    server = await startServerProcess({
      env: { HEARTBEAT_INTERVAL: '1s', DASHBOARD_SAMPLE_INTERVAL: '1s', CONFIG_DRIFT_GRACE: '30s' },
    });
    const client = api(server);
    const viewer = await client.post<{ key: string }>('/api/v1/api-keys', {
      name: 'browser viewer',
      role: 'viewer',
    });
    viewerKey = viewer.body.key;
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await killAllProcesses();
    removeTempDirs();
  });

  describe('the dashboard in a browser', () => {
    it(
      'signs in with an API key and shows the fleet overview, live',
      async () => {
        onTestFailed(() => console.error(allOutputs()));
        await page.goto(`${server.apiUrl}/`);
        await screenshot(page, 'sign-in');
        await page.getByLabel('API key').fill('cak_wrong-key-wrong-key-wrong-key-00');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await expect.poll(() => page.getByRole('alert').textContent()).toContain('Could not sign in');
        await signIn(page, server.adminKey);
        await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
        // Browser code as text: the test's TypeScript has no DOM types.
        expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual(['corral.apiKey']);
        expect(page.url()).not.toContain(server.adminKey);
      },
      FLOW_TIMEOUT_MS,
    );

    it(
      'shows simulated agents appear on the agents page as they enroll, without a reload',
      async () => {
        // The enrollment secret is made on the Access page and read from it, as an operator would.
        await go('Access');
        const secretForm = page.getByRole('form', { name: 'New enrollment secret' });
        await secretForm.getByLabel('Secret name').fill('browser sim');
        await secretForm.getByRole('button', { name: 'Create secret' }).click();
        const shown = page.getByRole('status').filter({ hasText: 'enrollment secret is shown only now' });
        const secret = { body: { secret: (await shown.locator('code').textContent()) ?? '' } };
        expect(secret.body.secret).toMatch(/^ces_/);
        await page
          .getByRole('table', { name: 'Enrollment secrets' })
          .getByRole('cell', { name: 'browser sim', exact: true })
          .waitFor();
        await screenshot(page, 'access');
        await go('Agents');
        await page.getByText('No agent matches.').waitFor();
        startSimulatorProcess([
          '--server',
          server.grpcAddress,
          '--enroll-secret',
          secret.body.secret,
          '--agents',
          String(AGENTS),
          '--ramp-up',
          '2s',
          '--report-interval',
          '0',
          '--heartbeat-interval',
          '1s',
        ]);
        await expect.poll(() => agentRows().count(), { timeout: 60_000 }).toBe(AGENTS);
        await expect
          .poll(
            () => page.getByRole('table', { name: 'Agents' }).getByText('online', { exact: true }).count(),
            { timeout: 60_000 },
          )
          .toBe(AGENTS);
        await screenshot(page, 'agents');
        await go('Overview');
        await expect
          .poll(() => page.getByRole('region', { name: 'Connectivity' }).textContent(), { timeout: 15_000 })
          .toContain(`${AGENTS} agents`);
        await page.getByRole('img', { name: 'Agents online' }).waitFor({ timeout: 15_000 });
        await screenshot(page, 'overview');
      },
      FLOW_TIMEOUT_MS,
    );

    it(
      'filters the agents table, keeping the filter in the URL',
      async () => {
        await go('Agents');
        await page.getByLabel('Type').selectOption('monitor');
        await expect.poll(() => agentRows().count()).toBe(2); // sim-2 and sim-5 of 6
        expect(page.url()).toContain('type=monitor');
        for (const text of await agentRows().locator('td:nth-child(4)').allTextContents())
          expect(text).toBe('monitor');
        await page.getByLabel('Search').fill('sim-5');
        await page.getByRole('button', { name: 'Apply' }).click();
        await expect.poll(() => agentRows().count()).toBe(1);
        await page.getByRole('button', { name: 'Name' }).click(); // sort by name, descending now
        expect(page.url()).toContain('order=desc');
        await page.reload();
        await expect.poll(() => agentRows().count()).toBe(1);
        await expect.poll(() => page.getByLabel('Type').inputValue()).toBe('monitor');
      },
      FLOW_TIMEOUT_MS,
    );

    it(
      'opens an agent and shows its metric charts',
      async () => {
        await page.goto(`${server.apiUrl}/agents`);
        await page.getByRole('link', { name: 'sim agent 1', exact: true }).click();
        await page.getByRole('heading', { name: /Agent sim agent 1/ }).waitFor();
        await page.getByRole('img', { name: 'CPU and memory (%)' }).waitFor({ timeout: 20_000 });
        await page.getByRole('img', { name: 'Queue depth and errors' }).waitFor();
        expect(
          await page.getByRole('region', { name: 'Configuration', exact: true }).textContent(),
        ).toContain('Effective configuration');
        await screenshot(page, 'agent-detail');
      },
      FLOW_TIMEOUT_MS,
    );

    it(
      'sends a command and watches it reach succeeded',
      async () => {
        await page.getByRole('link', { name: 'Send command' }).click();
        await page.getByRole('heading', { name: 'New command' }).waitFor();
        expect(await page.getByLabel('Agent id').inputValue()).toBe('sim-1');
        await page.getByLabel('Command type').selectOption('status');
        await screenshot(page, 'command-new');
        await page.getByRole('button', { name: 'Send command' }).click();
        await page.getByRole('heading', { name: /Command status/ }).waitFor();
        await expect
          .poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 60_000 })
          .toContain('succeeded');
        const history = await page.getByRole('list', { name: 'State history' }).textContent();
        expect(history).toContain('queued');
        expect(history).toContain('succeeded');
        await screenshot(page, 'command-detail');
      },
      FLOW_TIMEOUT_MS,
    );

    it(
      'cancels a running scan',
      async () => {
        await page.goto(`${server.apiUrl}/commands/new?agent=sim-1`);
        await page.getByLabel('Command type').selectOption('scan');
        await page.getByLabel(/Duration seconds/).fill('300');
        await page.getByRole('button', { name: 'Send command' }).click();
        await page.getByRole('heading', { name: /Command scan/ }).waitFor();
        await expect
          .poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 60_000 })
          .toContain('running');
        await page.getByRole('button', { name: 'Cancel command' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Cancel command' }).click();
        await expect
          .poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 60_000 })
          .toContain('cancelled');
        await go('Commands');
        await page.getByRole('table', { name: 'Commands' }).getByText('cancelled').first().waitFor();
        await screenshot(page, 'commands');
      },
      FLOW_TIMEOUT_MS,
    );

    it(
      "changes a group's configuration and watches its members' drift clear",
      async () => {
        await go('Groups');
        await page.getByLabel('Group name').fill('browser-group');
        await page.getByRole('button', { name: 'Create group' }).click();
        await page.getByRole('heading', { name: 'Group browser-group' }).waitFor();
        await page.getByLabel('Agent ids to add').fill('sim-1, sim-2');
        await page.getByRole('button', { name: 'Add members' }).click();
        await expect
          .poll(() => page.getByRole('table', { name: 'Members' }).locator('tbody tr').count())
          .toBe(2);
        const editor = page.getByRole('form', { name: 'Group configuration' });
        await editor.getByLabel('Layer document (JSON)').fill('{ "logLevel": "chatty" }');
        await editor.getByRole('button', { name: 'Save configuration' }).click();
        await expect.poll(() => page.getByRole('alert').textContent()).toContain('logLevel');
        await editor.getByLabel('Layer document (JSON)').fill('{ "logLevel": "debug" }');
        await editor.getByLabel('Reason').fill('browser test');
        await editor.getByRole('button', { name: 'Save configuration' }).click();
        await page.getByText('Saved as revision 1').waitFor();
        await expect
          .poll(() => page.getByLabel('Group compliance').textContent(), { timeout: 60_000 })
          .toMatch(/(?<!non )compliant 2/);
        expect(await page.getByLabel('Group compliance').textContent()).not.toMatch(/pending [1-9]/);
        expect(
          await page.getByRole('list', { name: 'Revisions of Group configuration' }).textContent(),
        ).toContain('logLevel');
        await screenshot(page, 'group-detail');
        await page.goto(`${server.apiUrl}/agents/sim-1`);
        const configuration = page.getByRole('region', { name: 'Configuration', exact: true });
        await expect
          .poll(() => configuration.textContent(), { timeout: 20_000 })
          .toContain('none: applied is desired');
        expect(await configuration.textContent()).toContain('"logLevel": "debug"');
      },
      FLOW_TIMEOUT_MS,
    );

    it(
      'edits a group (a stale edit refused), assigns a policy to one agent, changes many agents at once, edits a command type, downloads a backup, restores it from the file and downloads the state',
      async () => {
        const client = api(server);
        await go('Groups');
        await page.getByRole('link', { name: 'browser-group', exact: true }).click();
        const edit = page.getByRole('form', { name: 'Edit group' });
        await edit.getByLabel('Group name').fill('browser-group-edited');
        await edit.getByLabel('Description').fill('edited from the page');
        await edit.getByLabel('Priority').fill('7');
        await edit.getByRole('button', { name: 'Save group' }).click();
        await page.getByRole('heading', { name: 'Group browser-group-edited' }).waitFor();
        const groups = await client.get<{ items: { id: string; name: string }[] }>('/api/v1/groups');
        const groupId = groups.body.items.find((g) => g.name === 'browser-group-edited')?.id ?? '';
        const saved = await client.get<{ description: string; priority: number; revision: number }>(
          `/api/v1/groups/${groupId}`,
        );
        expect([saved.body.description, saved.body.priority]).toEqual(['edited from the page', 7]);
        // Someone else changes the group: the page's next save names the stale revision and is refused.
        const other = await client.patch(`/api/v1/groups/${groupId}`, { priority: 8 }, { 'if-match': '*' });
        expect(other.status).toBe(200);
        await edit.getByLabel('Priority').fill('9');
        await edit.getByRole('button', { name: 'Save group' }).click();
        await expect.poll(() => edit.getByRole('alert').textContent()).toContain('Not saved');
        expect((await client.get<{ priority: number }>(`/api/v1/groups/${groupId}`)).body.priority).toBe(8);

        const policy = await client.post<{ id: string }>('/api/v1/policies', {
          ...structuredClone(EXAMPLE_BODY),
          name: 'browser-policy',
        });
        expect(policy.status).toBe(201);
        await page.goto(`${server.apiUrl}/agents/sim-3`);
        const policies = page.getByRole('region', { name: 'Policies' });
        await policies.getByRole('combobox').selectOption({ label: 'browser-policy' });
        await policies.getByRole('button', { name: 'Assign policy' }).click();
        const assigned = policies.getByRole('list', { name: 'Policies assigned to this agent' });
        await expect.poll(() => assigned.textContent()).toContain('browser-policy');
        const direct = await client.get<{ direct: { policyId: string }[] }>('/api/v1/agents/sim-3/policies');
        expect(direct.body.direct.map((d) => d.policyId)).toEqual([policy.body.id]);
        await expect
          .poll(() => policies.getByRole('list', { name: 'Effective policies' }).textContent())
          .toContain('via agent sim-3');
        await screenshot(page, 'agent-policies');
        await policies.getByRole('button', { name: 'Unassign browser-policy' }).click();
        await expect.poll(() => assigned.textContent()).toContain('None');
        const after = await client.get<{ direct: unknown[] }>('/api/v1/agents/sim-3/policies');
        expect(after.body.direct).toEqual([]);

        await go('Configuration');
        const bulk = page.getByRole('form', { name: 'Bulk configuration change' });
        await bulk.getByLabel('Agent ids').fill('sim-4, sim-5');
        await bulk.getByLabel(/^Change/).fill('{ "logLevel": "warn" }');
        await bulk.getByLabel('Reason').fill('browser bulk');
        await bulk.getByRole('button', { name: 'Apply to agents' }).click();
        const results = page.getByRole('table', { name: 'Bulk change results' });
        await expect
          .poll(() => results.locator('tbody tr').allTextContents())
          .toEqual([
            expect.stringContaining('sim-4') as unknown,
            expect.stringContaining('sim-5') as unknown,
          ]);
        const layer = await client.get<{ document: Record<string, unknown> }>(
          '/api/v1/agents/sim-5/configuration/layer',
        );
        expect(layer.body.document).toMatchObject({ logLevel: 'warn' });

        const registered = await client.post('/api/v1/command-types', {
          name: 'custom:probe',
          description: 'Probe a host',
          schema: { type: 'object', properties: { target: { type: 'string' } } },
        });
        expect(registered.status).toBe(201);
        await go('Commands');
        await page.getByRole('link', { name: 'Command types' }).click();
        await page.getByRole('button', { name: 'Edit custom:probe' }).click();
        const typeForm = page.getByRole('form', { name: 'Edit custom:probe' });
        await typeForm.getByLabel('Description').fill('Probe a host, edited');
        await typeForm.getByRole('button', { name: 'Save command type' }).click();
        await page.getByRole('table', { name: 'Command types' }).getByText('Probe a host, edited').waitFor();
        const type = await client.get<{ description: string; revision: number }>(
          '/api/v1/command-types/custom:probe',
        );
        expect([type.body.description, type.body.revision]).toEqual(['Probe a host, edited', 2]);

        expect(
          (await client.post('/api/v1/backups', { name: 'browser-backup', scope: 'fleet' })).status,
        ).toBe(201);
        await go('Backups');
        const backupDownload = page.waitForEvent('download');
        await page.getByRole('button', { name: 'Download browser-backup' }).click();
        const backupFile = await backupDownload;
        expect(backupFile.suggestedFilename()).toMatch(/^corral-backup-.+\.json$/);
        expect(JSON.parse(readFileSync(await backupFile.path(), 'utf8'))).toMatchObject({
          format: 'corral.backup',
        });
        // The downloaded file sent back: dry run first, then the restore itself.
        await page.getByLabel('Downloaded backup file').setInputFiles({
          name: 'browser-backup.json',
          mimeType: 'application/json',
          buffer: readFileSync(await backupFile.path()),
        });
        await page.getByRole('button', { name: 'Restore from file: dry run' }).click();
        await page.getByRole('heading', { name: 'What restoring browser-backup.json would do' }).waitFor();
        await page.getByRole('button', { name: 'Restore for real' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
        await expect
          .poll(() => page.getByRole('status').filter({ hasText: 'Restored' }).textContent())
          .toContain('Restored browser-backup.json');
        const stateDownload = page.waitForEvent('download');
        await page.getByRole('button', { name: 'Download state export' }).click();
        const stateFile = await stateDownload;
        expect(stateFile.suggestedFilename()).toMatch(/^corral-state-.+\.json$/);
        // This instance holds state, so the server refuses the import and the page says why.
        await page.getByLabel('State export file').setInputFiles(await stateFile.path());
        await page.getByRole('button', { name: 'Import state' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Import' }).click();
        await expect
          .poll(() =>
            page
              .getByRole('region', { name: /Whole state/ })
              .getByRole('alert')
              .textContent(),
          )
          .toContain('this instance is not empty');
        await screenshot(page, 'backups-state');
      },
      FLOW_TIMEOUT_MS,
    );

    it(
      'switches maintenance mode on and off from the system page',
      async () => {
        await go('System');
        await page.getByText('Maintenance mode is off').waitFor();
        await page.getByLabel('Reason').fill('browser test');
        await page.getByRole('button', { name: 'Turn maintenance mode on' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Turn on' }).click();
        await page.getByText('Maintenance mode is on').waitFor();
        const status = await api(server).get<{ maintenanceMode: boolean }>('/api/v1/status');
        expect(status.body.maintenanceMode).toBe(true);
        await screenshot(page, 'status');
        await page.getByRole('button', { name: 'Turn maintenance mode off' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Turn off' }).click();
        await page.getByText('Maintenance mode is off').waitFor();
        expect(
          (await api(server).get<{ maintenanceMode: boolean }>('/api/v1/status')).body.maintenanceMode,
        ).toBe(false);
      },
      FLOW_TIMEOUT_MS,
    );

    it(
      'shows the other main pages',
      async () => {
        await go('Commands');
        await page.getByRole('link', { name: 'Command types' }).click();
        await page.getByRole('table', { name: 'Command types' }).getByText('scan', { exact: true }).waitFor();
        await screenshot(page, 'command-types');
        for (const [link, heading, name] of [
          ['Configuration', 'Configuration', 'configuration'],
          ['Policies', 'Policies', 'policies'],
          ['Backups', 'Backups', 'backups'],
          ['Events', 'Events', 'events'],
          ['Audit log', 'Audit log', 'audit'],
        ] as const) {
          await go(link);
          await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
          await page.waitForLoadState('networkidle');
          await screenshot(page, name);
        }
        expect(await page.getByRole('table', { name: 'Audit log' }).textContent()).toContain(
          'maintenance.set',
        );
        // Narrow screens: the navigation folds above the page; only tables may scroll sideways.
        await page.setViewportSize({ width: 390, height: 844 });
        await go('Overview');
        await page.getByRole('img', { name: 'Agents online' }).waitFor();
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
        await screenshot(page, 'overview-narrow');
        await page.setViewportSize({ width: 1280, height: 900 });
        expect(pageErrors).toEqual([]);
      },
      FLOW_TIMEOUT_MS,
    );

    it(
      'gives a viewer key no send button, and the API refuses it if it tries',
      async () => {
        const viewer = await browser.newPage();
        await signIn(viewer, viewerKey);
        expect(await viewer.getByText('(viewer)').count()).toBe(1);
        await viewer.goto(`${server.apiUrl}/agents/sim-1`);
        await viewer.getByRole('heading', { name: /Agent sim agent 1/ }).waitFor();
        expect(await viewer.getByRole('link', { name: 'Send command' }).count()).toBe(0);
        expect(await viewer.getByRole('button', { name: 'Unregister' }).count()).toBe(0);
        await viewer.goto(`${server.apiUrl}/commands`);
        await viewer.getByRole('heading', { name: 'Commands', level: 1 }).waitFor();
        expect(await viewer.getByRole('link', { name: 'New command' }).count()).toBe(0);
        // The page's own key, sent the way the page sends it.
        const refused = await viewer.evaluate(`(async () => {
          const response = await fetch('/api/v1/commands', {
            method: 'POST',
            headers: { authorization: 'Bearer ' + sessionStorage.getItem('corral.apiKey'), 'content-type': 'application/json' },
            body: JSON.stringify({ type: 'status', target: { kind: 'agent', agentId: 'sim-1' } }),
          });
          return { status: response.status, body: await response.json() };
        })()`);
        expect(refused).toMatchObject({ status: 403, body: { code: 'permission_denied' } });
        await viewer.close();
      },
      FLOW_TIMEOUT_MS,
    );
  });
}
