// The dashboard's files as the admin API server serves them: index.html at /
// and for any page URL, hashed assets cached for a year, the pages' own CSP,
// and the API, probes and unknown assets untouched by the page fallback.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestServices, type TestServices } from '../../app/test-services.js';
import { silentLogger } from '../../shared/logger.js';
import { DASHBOARD_CSP } from './dashboard.js';
import { createHttpServer } from './http-server.js';

const INDEX = '<!doctype html><title>Corral</title><script type="module" src="/assets/app-Ab12.js"></script>';

let t: TestServices;
let dir: string;
let app: FastifyInstance;
let bare: FastifyInstance;
beforeAll(async () => {
  t = await openTestServices();
  dir = mkdtempSync(join(tmpdir(), 'corral-ui-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'app-Ab12.js'), 'console.log("app");');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const options = {
    services: t.services,
    logger: silentLogger,
    rateLimitPerMinute: 5,
    version: '0.0.0-test',
  };
  app = createHttpServer({ ...options, dashboardDir: dir });
  bare = createHttpServer({ ...options, dashboardDir: join(dir, 'missing') });
  await Promise.all([app.ready(), bare.ready()]);
});
afterAll(async () => {
  await Promise.all([app.close(), bare.close()]);
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard', () => {
  it.each(['/', '/agents', '/agents/agent-1', '/commands/new?agent=a', '/documents'])(
    'answers GET %s with index.html, never cached, under the pages CSP',
    async (url) => {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      expect(response.body).toBe(INDEX);
    },
  );

  it('serves hashed assets for a year and top-level files, without rate limiting them', async () => {
    for (let i = 0; i < 10; i++) {
      const asset = await app.inject({ method: 'GET', url: '/assets/app-Ab12.js' });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['content-type']).toContain('javascript');
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toContain('image/svg+xml');
  });

  it.each([
    ['an unknown asset', '/assets/missing.js'],
    ['a path out of the assets', '/assets/..%2Findex.html'],
    ['an unknown API path', '/api/v1/nope'],
    ['the API root', '/api'],
    ['a path under a probe', '/livez/x'],
    ['/docs (the API docs are at /api/v1/docs)', '/docs'],
  ])('leaves %s to the 404 problem', async (_what, url) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('keeps the strict CSP on the API and the page fallback off other methods', async () => {
    const api = await app.inject({ method: 'GET', url: '/api/v1/agents' });
    expect(api.statusCode).toBe(401);
    expect(api.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    expect((await app.inject({ method: 'POST', url: '/agents' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/livez' })).json()).toEqual({ status: 'live' });
  });

  it('is absent, with 404 problems, when it was not built', async () => {
    const response = await bare.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});
