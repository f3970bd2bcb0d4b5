// The admin API's shared plumbing over real services: request ids, auth (401
// vs 403, both key headers, revoked keys), body handling (bad JSON, media
// type, size, U+0000 in text), unknown routes and methods, rate limiting, probes, security
// headers and the docs page.
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/logger.js';
import { createHttpServer } from './http-server.js';
import { problemSchema } from './problem.js';
import { openTestApi, type TestApi } from './test-support.js';

let api: TestApi;
beforeAll(async () => {
  api = await openTestApi();
});
afterAll(() => api.close());

const expectProblem = (
  response: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  code: string,
) => {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = problemSchema.loose().parse(response.json());
  expect(problem).toMatchObject({ status, code, type: `https://corral.dev/problems/${code}` });
  expect(problem.requestId).toBe(response.headers['x-request-id']);
  return problem;
};

describe('request ids', () => {
  it('honours a safe X-Request-Id and echoes it in the header and problems', async () => {
    const response = await api.call('GET', '/api/v1/agents/nope', {
      headers: { 'x-request-id': 'trace-42.a_b' },
    });
    expect(response.headers['x-request-id']).toBe('trace-42.a_b');
    expect(expectProblem(response, 404, 'not_found').requestId).toBe('trace-42.a_b');
  });

  it.each([['with spaces'], ['x'.repeat(129)], ['<script>']])(
    'replaces an unsafe one (%#)',
    async (incoming) => {
      const response = await api.call('GET', '/livez', { headers: { 'x-request-id': incoming } });
      expect(response.headers['x-request-id']).not.toBe(incoming);
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    },
  );
});

describe('logging', () => {
  it('logs each request with its request id and without the API key', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()),
    });
    const logged = createHttpServer({
      services: api.t.services,
      logger: pino({ level: 'info' }, sink),
      rateLimitPerMinute: 10,
      version: 'test',
    });
    try {
      await logged.inject({
        method: 'GET',
        url: '/api/v1/agents',
        headers: { 'x-request-id': 'log-check-1', authorization: `Bearer ${api.keys.viewer}` },
      });
    } finally {
      await logged.close();
    }
    const entries = lines
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.requestId === 'log-check-1');
    expect(entries.map((entry) => entry.msg)).toEqual(
      expect.arrayContaining(['incoming request', 'request completed']),
    );
    expect(lines.join('\n')).not.toContain(api.keys.viewer);
  });
});

describe('authentication and roles', () => {
  it('refuses a request without a key with 401 and WWW-Authenticate', async () => {
    const response = await api.call('GET', '/api/v1/agents', { key: null });
    expectProblem(response, 401, 'unauthenticated');
    expect(response.headers['www-authenticate']).toBe('Bearer realm="corral"');
  });

  it('refuses unknown keys and malformed Authorization headers', async () => {
    expectProblem(
      await api.call('GET', '/api/v1/agents', { key: 'cak_thisKeyWasNeverIssuedByAnyoneAtAll_000000' }),
      401,
      'unauthenticated',
    );
    expectProblem(
      await api.call('GET', '/api/v1/agents', {
        key: null,
        headers: { authorization: `Basic ${api.keys.admin}` },
      }),
      401,
      'unauthenticated',
    );
  });

  it('throttles an address that keeps presenting invented keys, whatever key it invents next', async () => {
    const fresh = await openTestApi();
    try {
      const invented = (i: number) => `cak_invented${String(i).padStart(39, '0')}`;
      for (let i = 0; i < 30; i++)
        expectProblem(
          await fresh.call('GET', '/api/v1/agents', { key: invented(i) }),
          401,
          'unauthenticated',
        );
      const throttled = await fresh.call('GET', '/api/v1/agents', { key: invented(99) });
      expectProblem(throttled, 429, 'resource_exhausted');
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });

  it('accepts the key in X-API-Key too', async () => {
    expect(
      (await api.call('GET', '/api/v1/agents', { key: null, headers: { 'x-api-key': api.keys.viewer } }))
        .statusCode,
    ).toBe(200);
  });

  it('lets a viewer read but not mutate (403)', async () => {
    const viewer = { key: api.keys.viewer };
    expect((await api.call('GET', '/api/v1/fleet/statistics', viewer)).statusCode).toBe(200);
    const mutations: [string, string, unknown][] = [
      ['PATCH', '/api/v1/agents/a1', { name: 'x' }],
      ['DELETE', '/api/v1/agents/a1', undefined],
      ['DELETE', '/api/v1/sessions/s1', undefined],
      ['POST', '/api/v1/enrollment-secrets', { name: 'x' }],
      ['DELETE', '/api/v1/enrollment-secrets/e1', undefined],
      ['POST', '/api/v1/api-keys', { name: 'x', role: 'viewer' }],
      ['DELETE', '/api/v1/api-keys/k1', undefined],
    ];
    for (const [method, url, body] of mutations)
      expectProblem(await api.call(method, url, { ...viewer, body }), 403, 'permission_denied');
    // Each refused mutation is audited with who tried what.
    const refused = await api.t.services.audit.list(
      { outcome: 'failure', action: 'http.delete' },
      { limit: 50 },
    );
    expect(refused.items.map((e) => [e.targetId, e.errorCode, e.actorName])).toContainEqual([
      '/api/v1/agents/:id',
      'permission_denied',
      expect.any(String),
    ]);
    const refusedPosts = await api.t.services.audit.list(
      { outcome: 'failure', action: 'http.post' },
      { limit: 50 },
    );
    expect(refusedPosts.items).toHaveLength(2);
  });

  it('keeps API keys to admins', async () => {
    const operator = { key: api.keys.operator };
    expectProblem(await api.call('GET', '/api/v1/api-keys', operator), 403, 'permission_denied');
    expectProblem(
      await api.call('POST', '/api/v1/api-keys', { ...operator, body: { name: 'x', role: 'admin' } }),
      403,
      'permission_denied',
    );
  });

  it('refuses a key once it is revoked', async () => {
    const created = await api.call('POST', '/api/v1/api-keys', {
      body: { name: 'short-lived', role: 'viewer' },
    });
    const { id, key } = created.json();
    expect((await api.call('GET', '/api/v1/agents', { key })).statusCode).toBe(200);
    expect((await api.call('DELETE', `/api/v1/api-keys/${id}`)).statusCode).toBe(200);
    expectProblem(await api.call('GET', '/api/v1/agents', { key }), 401, 'unauthenticated');
  });

  it('checks the key before reading the body', async () => {
    const response = await api.call('POST', '/api/v1/enrollment-secrets', {
      key: null,
      payload: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expectProblem(response, 401, 'unauthenticated');
  });
});

describe('bodies', () => {
  const post = (payload: string | Buffer, contentType: string) =>
    api.call('POST', '/api/v1/enrollment-secrets', { payload, headers: { 'content-type': contentType } });

  it('refuses malformed JSON with 400 naming the body', async () => {
    const problem = expectProblem(await post('{"name": ', 'application/json'), 400, 'invalid_argument');
    expect(problem.errors).toEqual([{ field: 'body', description: 'the request body is not valid JSON' }]);
  });

  it('refuses an empty JSON body with 400', async () => {
    expectProblem(await post('', 'application/json'), 400, 'invalid_argument');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])(
    'refuses %s with 415',
    async (type) => {
      expectProblem(await post('name=x', type), 415, 'unsupported_media_type');
    },
  );

  it('refuses a body over 1 MiB with 413', async () => {
    const big = JSON.stringify({ name: 'x', pad: 'y'.repeat(1024 * 1024) });
    expect(expectProblem(await post(big, 'application/json'), 413, 'payload_too_large').detail).toBe(
      "the request body is larger than this route's 1 MiB limit",
    );
  });

  it('refuses text holding U+0000 anywhere in the body, the query or the path with 400 naming it, storing nothing', async () => {
    const nul = expectProblem(
      await post(JSON.stringify({ name: 'nul\u0000name' }), 'application/json'),
      400,
      'invalid_argument',
    );
    expect(nul.errors).toEqual([
      { field: 'body.name', description: 'must not contain the NUL character (U+0000)' },
    ]);
    const secrets = await api.call('GET', '/api/v1/enrollment-secrets');
    expect(JSON.stringify(secrets.json())).not.toContain('nul\\u0000name');
    const query = expectProblem(await api.call('GET', '/api/v1/agents?name=a%00b'), 400, 'invalid_argument');
    expect(query.errors).toEqual([
      { field: 'query.name', description: 'must not contain the NUL character (U+0000)' },
    ]);
    const path = expectProblem(await api.call('GET', '/api/v1/agents/a%00b'), 400, 'invalid_argument');
    expect(path.errors?.[0]?.field).toMatch(/^path\./);
  });

  it('accepts JSON with a charset', async () => {
    expect(
      (await post(JSON.stringify({ name: 'charset' }), 'application/json; charset=utf-8')).statusCode,
    ).toBe(201);
  });
});

describe('unknown routes and methods', () => {
  it('answers an unknown path with a 404 problem', async () => {
    expect(expectProblem(await api.call('GET', '/api/v1/nothing-here?x=1'), 404, 'not_found').instance).toBe(
      '/api/v1/nothing-here',
    );
  });

  it('answers a malformed URL with a 400 problem', async () => {
    expectProblem(await api.call('GET', '/api/v1/agents/%E0%A4%A'), 400, 'invalid_argument');
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const response = await api.call('PUT', '/api/v1/agents/some-agent', { body: {} });
    expectProblem(response, 405, 'method_not_allowed');
    expect(String(response.headers.allow).split(', ')).toEqual(
      expect.arrayContaining(['GET', 'PATCH', 'DELETE']),
    );
  });
});

describe('rate limiting', () => {
  it('limits each key separately and answers 429 problem+json with Retry-After', async () => {
    const limited = createHttpServer({
      services: api.t.services,
      logger: silentLogger,
      rateLimitPerMinute: 2,
      version: 'test',
    });
    try {
      const get = (key: string) =>
        limited.inject({ method: 'GET', url: '/api/v1/agents', headers: { authorization: `Bearer ${key}` } });
      expect((await get(api.keys.viewer)).statusCode).toBe(200);
      expect((await get(api.keys.viewer)).statusCode).toBe(200);
      const refused = await get(api.keys.viewer);
      expectProblem(refused, 429, 'resource_exhausted');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect((await get(api.keys.operator)).statusCode).toBe(200);
      expect((await limited.inject({ method: 'GET', url: '/livez' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('probes, headers and docs', () => {
  it('serves /livez and /readyz without a key', async () => {
    expect((await api.call('GET', '/livez', { key: null })).json()).toEqual({ status: 'live' });
    expect((await api.call('GET', '/readyz', { key: null })).json()).toEqual({
      status: 'ready',
      checks: { store: 'ok', cache: 'ok', bus: 'ok' },
    });
  });

  it('answers /readyz with a 503 problem when a backend is down', async () => {
    const services = {
      ...api.t.services,
      readiness: async () => ({ ready: false, checks: { store: 'connection refused' } }),
    };
    const degraded = createHttpServer({
      services,
      logger: silentLogger,
      rateLimitPerMinute: 10,
      version: 'test',
    });
    try {
      const response = await degraded.inject({ method: 'GET', url: '/readyz' });
      const problem = expectProblem(response, 503, 'unavailable');
      expect(problem.checks).toEqual({ store: 'failing' });
      expect(response.body).not.toContain('connection refused');
    } finally {
      await degraded.close();
    }
  });

  it('sets security headers, a strict CSP on the API and no HSTS over plain HTTP', async () => {
    const response = await api.call('GET', '/api/v1/agents');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });

  it('serves the docs page and its assets from the package, with a same-origin CSP', async () => {
    const page = await api.call('GET', '/api/v1/docs', { key: null });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).not.toMatch(/https?:\/\/(?!localhost)/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    const bundle = await api.call('GET', '/api/v1/docs/static/swagger-ui-bundle.js', { key: null });
    expect(bundle.statusCode).toBe(200);
  });
});

describe('TLS', () => {
  it('serves HTTPS with the given certificate, and then sends HSTS', async () => {
    const cert = readFileSync(new URL('../../../test/fixtures/tls/localhost.cert.pem', import.meta.url));
    const key = readFileSync(new URL('../../../test/fixtures/tls/localhost.key.pem', import.meta.url));
    const secure = createHttpServer({
      services: api.t.services,
      logger: silentLogger,
      rateLimitPerMinute: 10,
      version: 'test',
      tls: { cert, key },
    });
    try {
      await secure.listen({ host: '127.0.0.1', port: 0 });
      const { port } = secure.server.address() as AddressInfo;
      const response = await new Promise<{ status: number | undefined; hsts: unknown; body: string }>(
        (resolve, reject) => {
          get({ host: '127.0.0.1', port, path: '/livez', ca: cert, servername: 'localhost' }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () =>
              resolve({ status: res.statusCode, hsts: res.headers['strict-transport-security'], body }),
            );
          }).on('error', reject);
        },
      );
      expect(response).toMatchObject({ status: 200, body: '{"status":"live"}' });
      expect(response.hsts).toContain('max-age=');
    } finally {
      await secure.close();
    }
  });
});
