#!/usr/bin/env node
// `npm run bench:ui`: the dashboard's agents page with a large fleet. Starts a
// real `corral serve` (embedded SQLite) and `corral simulate` processes with
// `--agents` agents (each on its own connection, heartbeating), waits until all
// are connected, then drives the built dashboard in Debian's Chromium
// (playwright-core) and measures, from the browser's side:
//   - first render: from navigating to /agents until the table shows its first
//     page of 50 agents — once with an empty cache (cold) and `--runs` times warm;
//   - applying a filter: from choosing a type in the Type filter until every
//     row shown is of that type;
//   - a search: from pressing Apply with a search text until the one matching
//     agent is the only row;
//   - sorting: from clicking the "Last seen" header until the rows are re-sorted.
// Also the same list requests timed from Node against the API alone, for comparison.
//   npm run bench:ui -- [--agents 10000] [--processes 2] [--ramp-up 60s] [--runs 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { CORRAL_BIN, flagReader, startSimulators, until } from '../scripts/lib/bench-kit.js';
import { adminApi, sleep, startBenchServer, stopAll, waitReady } from '../scripts/lib/local-server.js';

const { values: flags } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    processes: { type: 'string', default: '2' },
    'ramp-up': { type: 'string', default: '60s' },
    runs: { type: 'string', default: '5' },
  },
});
const { positive, seconds } = flagReader('bench:ui', flags);
const agents = positive('agents');
const processes = positive('processes');
const runs = positive('runs');
const rampUpMs = seconds('ramp-up');
const CHROMIUM = process.env.CORRAL_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const output = [];
const local = await startBenchServer(CORRAL_BIN, {
  env: { AGENT_TIMEOUT: '10m', MAX_INACTIVE_TIME: '1h', API_RATE_LIMIT: '100000' },
  output,
});
const children = [local.child];
const call = adminApi(local.apiUrl, local.adminKey);
const profile = mkdtempSync(join(tmpdir(), 'corral-bench-chromium-'));
let context;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const summary = (values) => ({
  medianMs: Math.round(median(values)),
  minMs: Math.round(Math.min(...values)),
  maxMs: Math.round(Math.max(...values)),
  runs: values.length,
});

/**
 * What the agents table shows, read in the browser (a function, not text: the page's CSP forbids eval):
 * how many agent rows, the first row's id, and the type of every row.
 */
/* global document */
const tableState = () => {
  const rows = [...document.querySelectorAll('table[aria-label="Agents"] tbody tr')].filter((r) =>
    r.querySelector('a'),
  );
  return {
    rows: rows.length,
    firstId: rows[0]?.querySelector('td .muted')?.textContent ?? '',
    types: rows.map((r) => r.querySelector('td:nth-child(4)')?.textContent ?? ''),
  };
};

/**
 * Milliseconds from `act()` until `accept(state)` holds for the table's state, read from Node every few
 * milliseconds (page.evaluate with a function is not an eval, so the page's CSP allows it).
 */
async function timed(page, act, accept, what = 'the table') {
  const started = performance.now();
  await act();
  for (;;) {
    if (accept(await page.evaluate(tableState))) return performance.now() - started;
    if (performance.now() - started > 60_000) {
      const state = await page.evaluate(tableState);
      throw new Error(
        `${what} did not reach the expected state in 60 s (${state.rows} rows, first ${state.firstId})`,
      );
    }
    await sleep(2);
  }
}

try {
  await waitReady(local.apiUrl);
  const { secret } = await call('POST', '/api/v1/enrollment-secrets', { name: 'bench-ui', maxUses: agents });
  children.push(
    ...startSimulators({
      grpcAddress: local.grpcAddress,
      secret,
      agents,
      processes,
      rampUpMs,
      idPrefix: 'ui',
      output,
    }),
  );
  let online = 0;
  await until(
    () => `every agent to be online (${online} of ${agents})`,
    rampUpMs + 180_000,
    async () => (online = (await call('GET', '/api/v1/fleet/statistics')).byStatus.online ?? 0) >= agents,
    250,
  );

  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  await page.goto(`${local.apiUrl}/`);
  await page.getByLabel('API key').fill(local.adminKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Fleet overview' }).waitFor();

  // First render: the first navigation loads the bundle (cold); later ones have it cached (warm).
  const goToAgents = () => page.goto(`${local.apiUrl}/agents`, { waitUntil: 'commit' });
  const cold = await timed(page, goToAgents, (t) => t.rows === 50);
  const warm = [];
  for (let i = 0; i < runs; i++) {
    await page.goto(`${local.apiUrl}/status`);
    await page.getByRole('heading', { name: 'System status' }).waitFor();
    warm.push(await timed(page, goToAgents, (t) => t.rows === 50));
  }

  const filter = [];
  const types = ['monitor', 'scanner', 'blocking'];
  for (let i = 0; i < runs; i++) {
    const type = types[i % types.length];
    filter.push(
      await timed(
        page,
        () => page.getByLabel('Type').selectOption(type),
        (t) => t.rows === 50 && t.types.every((shown) => shown === type),
        `the ${type} filter`,
      ),
    );
  }
  await page.goto(`${local.apiUrl}/agents`);
  await timed(
    page,
    async () => undefined,
    (t) => t.rows === 50,
  );

  const search = [];
  for (let i = 0; i < runs; i++) {
    const p = i % processes;
    const perProcess = Math.floor(agents / processes);
    // An id with as many digits as the largest, so no other id contains it (the search is a substring match).
    const low = 10 ** (String(perProcess).length - 1);
    const id = `ui-${p}-${low + ((i * 7919) % (perProcess - low + 1))}`;
    await page.getByLabel('Search').fill(id);
    search.push(
      await timed(
        page,
        () => page.getByRole('button', { name: 'Apply' }).click(),
        (t) => t.rows === 1 && t.firstId === id,
        `a search for ${id}`,
      ),
    );
  }
  await page.goto(`${local.apiUrl}/agents`);
  await timed(
    page,
    async () => undefined,
    (t) => t.rows === 50,
  );

  // Sorting: the new order must be on screen, so wait for the page's own request and then for its first row.
  const sort = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const answer = page.waitForResponse(
      (r) => r.url().includes('/api/v1/agents?') && r.url().includes('sort=lastSeenAt'),
    );
    await page.getByRole('button', { name: /^Last seen/ }).click();
    const expected = (await (await answer).json()).items[0].id;
    await timed(
      page,
      async () => undefined,
      (t) => t.rows === 50 && t.firstId === expected,
      'sorting by last seen',
    );
    sort.push(performance.now() - started);
  }

  // The same list requests from Node: what the API alone costs.
  const apiOnly = async (query) => {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await call('GET', `/api/v1/agents?pageSize=50${query}`);
      times.push(performance.now() - started);
    }
    return summary(times);
  };
  const api = {
    firstPage: await apiOnly('&sort=name'),
    typeFilter: await apiOnly('&type=monitor&sort=name'),
    search: await apiOnly('&q=ui-0-1007&sort=name'),
    sortByLastSeen: await apiOnly('&sort=lastSeenAt&order=desc'),
  };

  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version };
  process.stdout.write(
    `${JSON.stringify(
      {
        agents,
        online,
        browser: {
          firstRenderColdMs: Math.round(cold),
          firstRenderWarm: summary(warm),
          applyTypeFilter: summary(filter),
          search: summary(search),
          sortByLastSeen: summary(sort),
        },
        api,
        machine,
      },
      null,
      2,
    )}\n`,
  );
} catch (error) {
  process.stderr.write(`bench:ui failed: ${error.message}\n${output.slice(-20).join('')}\n`);
  process.exitCode = 1;
} finally {
  await context?.close();
  rmSync(profile, { recursive: true, force: true });
  await stopAll(children);
  await local.removeStore();
}
