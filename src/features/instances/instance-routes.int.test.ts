// The instance routes over HTTP on real services: list, drain and resume of the
// instance answering (readiness follows: /readyz 503 while draining, /livez
// stays 200), not_found as problem+json for an instance that is not live,
// admin role required, the instance id validated, every request audited.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';

interface Problem {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly checks?: Record<string, string>;
  readonly errors?: readonly { field: string; description: string }[];
}

const expectProblem = (
  response: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  status: number,
  code: string,
): Problem => {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json() as Problem;
  expect(problem).toMatchObject({ status, code });
  return problem;
};

describe('instance routes', () => {
  let api: TestApi;
  let self: string;

  beforeEach(async () => {
    api = await openTestApi();
    self = api.t.backends.instanceId;
    const { presence } = api.t.backends;
    await presence.heartbeatInstance(self, { agents: 0, address: 'a:1', startedAt: 0, version: '1' }, 60_000);
  });
  afterEach(async () => {
    api.t.services.drain.close();
    await api.close();
  });

  it('drains and resumes this instance; /readyz follows, /livez stays up', async () => {
    const drained = await api.call('POST', `/api/v1/instances/${self}/drain`);
    expect(drained.statusCode).toBe(202);
    expect(drained.json()).toEqual({ instanceId: self, state: 'draining' });

    const listed = (await api.call('GET', '/api/v1/instances', { key: api.keys.viewer })).json();
    expect(listed.items).toMatchObject([{ instanceId: self, state: 'draining', agents: 0 }]);
    const status = (await api.call('GET', '/api/v1/status')).json();
    expect(status.instances).toMatchObject([{ instanceId: self, state: 'draining' }]);

    const ready = await api.call('GET', '/readyz', { key: null });
    const problem = expectProblem(ready, 503, 'unavailable');
    expect(problem.checks).toEqual({ store: 'ok', cache: 'ok', bus: 'ok', instance: 'draining' });
    expect(problem.detail).toMatch(/this instance is draining/);
    expect((await api.call('GET', '/livez', { key: null })).statusCode).toBe(200);

    const resumed = await api.call('POST', `/api/v1/instances/${self}/resume`);
    expect(resumed.statusCode).toBe(202);
    expect(resumed.json()).toEqual({ instanceId: self, state: 'serving' });
    expect((await api.call('GET', '/readyz', { key: null })).statusCode).toBe(200);
  });

  it('answers 404 problem+json for an instance that is not live, and audits it', async () => {
    const response = await api.call('POST', '/api/v1/instances/nowhere-1/drain');
    expect(expectProblem(response, 404, 'not_found').detail).toMatch(/instance "nowhere-1"/);
    const audit = await api.t.services.audit.list({}, { limit: 50 });
    expect(audit.items.find((e) => e.action === 'instance.drain')).toMatchObject({
      targetId: 'nowhere-1',
      outcome: 'failure',
      errorCode: 'not_found',
    });
  });

  it('needs the admin role and a valid instance id', async () => {
    const refused = await api.call('POST', `/api/v1/instances/${self}/drain`, { key: api.keys.operator });
    expectProblem(refused, 403, 'permission_denied');
    expect(api.t.services.drain.isDraining).toBe(false);
    const bad = await api.call('POST', '/api/v1/instances/not%20an%20id/resume');
    expect(expectProblem(bad, 400, 'invalid_argument').errors).toEqual([
      { field: 'instanceId', description: 'must be 1-64 of [A-Za-z0-9._-]' },
    ]);
  });
});
