// `corral instances` as an operator runs it (the built bin/corral.js in a child
// process) against the admin API on a loopback port: list with the state,
// drain and resume this instance, exit 1 for an instance that is not live
// (404), exit 2 for a malformed id or a missing key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApi, type TestApi } from '../../transports/http/test-support.js';
import { runCorral, type CliRun } from '../run-corral.fixtures.js';

let api: TestApi;
let env: Record<string, string>;
let self: string;

function corral(args: readonly string[], extra: Record<string, string> = {}): Promise<CliRun> {
  return runCorral(args, { ...env, ...extra });
}
const json = async (args: readonly string[]) => {
  const run = await corral([...args, '-o', 'json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
};

beforeAll(async () => {
  api = await openTestApi();
  self = api.t.backends.instanceId;
  await api.t.backends.presence.heartbeatInstance(
    self,
    { agents: 3, address: '127.0.0.1:50051', startedAt: 0, version: '1.0.0' },
    600_000,
  );
  const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
  env = { CORRAL_API_URL: address, CORRAL_API_KEY: api.keys.admin };
});
afterAll(async () => {
  api.t.services.drain.close();
  await api.close();
});

describe('corral instances', () => {
  it('lists, drains and resumes an instance, as JSON and as a table', async () => {
    expect((await json(['instances', 'ls'])).items).toMatchObject([
      { instanceId: self, state: 'serving', agents: 3, address: '127.0.0.1:50051' },
    ]);
    expect(await json(['instances', 'drain', self])).toEqual({ instanceId: self, state: 'draining' });
    const table = await corral(['instances', 'ls']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^INSTANCEID\s+STATE\s+AGENTS\s+ADDRESS\s+VERSION\s+STARTEDAT\s+SEENAT$/,
    );
    expect(table.stdout).toMatch(new RegExp(`^${self}\\s+draining\\s+3\\s+127.0.0.1:50051`, 'm'));
    const resumed = await corral(['instances', 'resume', self]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/serving/);
    expect(resumed.stderr).toMatch(/corral instances ls/);
    expect(api.t.services.drain.isDraining).toBe(false);
  });

  it('exits 1 for an instance that is not live, 2 for a malformed id or no key', async () => {
    const unknown = await corral(['instances', 'drain', 'gone-7']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/instance "gone-7" was not found/);
    const malformed = await corral(['instances', 'drain', 'not an id']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/<instance-id>: "not an id" must be 1-64/);
    const noKey = await corral(['instances', 'ls'], { CORRAL_API_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(api.t.services.drain.isDraining).toBe(false);
  });
});
