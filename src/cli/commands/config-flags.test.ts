// `corral config` flags: scopes, --set pairs and bulk requests built from them, and
// bad flags refused as usage errors naming the flag.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../usage-error.js';
import { bulkRequestBody, changedDocument, fieldRows, layerFromSets, layerScope } from './config-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-config-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
};

describe('layerScope', () => {
  it('names the fleet, a group or an agent layer with its path and revisions key', () => {
    expect(layerScope({ fleet: true })).toEqual({
      path: '/configuration/fleet',
      key: 'fleet',
      label: 'fleet',
    });
    expect(layerScope({}, true).key).toBe('fleet');
    expect(layerScope({ group: 'g-1' })).toEqual({
      path: '/groups/g-1/configuration',
      key: 'group:g-1',
      label: 'group g-1',
    });
    expect(layerScope({ agent: 'a:1' })).toMatchObject({
      path: '/agents/a%3A1/configuration/layer',
      key: 'agent:a:1',
    });
  });

  it.each([
    [{}, false, 'exactly one of --fleet, --group, --agent'],
    [{ fleet: true, agent: 'a1' }, false, 'exactly one of'],
    [{ group: 'g', agent: 'a1' }, true, 'at most one of'],
    [{ agent: 'bad id' }, false, '--agent'],
    [{ group: '' }, false, '--group'],
  ])('refuses %j naming %s', (flags, fleetByDefault, text) => {
    expect(refusal(() => layerScope(flags, fleetByDefault))).toContain(text);
  });
});

describe('layerFromSets', () => {
  it('types each value by its field and merges into the base layer', () => {
    expect(
      layerFromSets(
        [
          'logLevel=debug',
          'reportIntervalSeconds=5',
          'connectionLimits.maxConnections=200',
          'metrics.enabled=false',
          'tracing.sampleRate=0.25',
          'tracing.endpoint=http://otel:4318',
          'metadata.site=5',
        ],
        { connectionLimits: { connectTimeoutSeconds: 3 }, metadata: { team: 'x' } },
      ),
    ).toEqual({
      logLevel: 'debug',
      reportIntervalSeconds: 5,
      connectionLimits: { connectTimeoutSeconds: 3, maxConnections: 200 },
      metrics: { enabled: false },
      tracing: { sampleRate: 0.25, endpoint: 'http://otel:4318' },
      metadata: { team: 'x', site: '5' },
    });
    expect(layerFromSets(['logLevel=info', 'logLevel=warn'])).toEqual({ logLevel: 'warn' });
  });

  it.each([
    ['logLevel', 'path=value'],
    ['=debug', 'path=value'],
    ['colour=red', '"colour" is not a field'],
    ['connectionLimits=5', 'is not a field'],
    ['reportIntervalSeconds=often', 'needs a number'],
    ['metrics.enabled=yes', 'needs true or false'],
  ])('refuses --set %s naming the flag', (pair, text) => {
    const message = refusal(() => layerFromSets([pair]));
    expect(message).toMatch(/^--set: /);
    expect(message).toContain(text);
  });
});

describe('changedDocument', () => {
  it('reads a layer from --file, or builds it from --set', () => {
    expect(changedDocument({ file: file('layer.json', '{"logLevel":"warn"}') })).toEqual({
      logLevel: 'warn',
    });
    expect(changedDocument({ set: ['logLevel=error'] }, { reportIntervalSeconds: 9 })).toEqual({
      reportIntervalSeconds: 9,
      logLevel: 'error',
    });
  });

  it.each([
    [{}, 'either --file or --set'],
    [{ file: 'x.json', set: ['logLevel=debug'] }, 'either --file or --set'],
    [{ file: join(tmpdir(), 'corral-no-such-file.json') }, '--file: cannot read'],
    [{ file: file('bad.json', '{nope') }, '--file:'],
    [{ file: file('list.json', '[1]') }, '--file:'],
  ])('refuses %j naming %s', (flags, text) => {
    expect(refusal(() => changedDocument(flags))).toContain(text);
  });
});

describe('bulkRequestBody', () => {
  it('targets agent ids, a group or a selector with the patch and reason', () => {
    expect(bulkRequestBody({ agents: 'a1, a2,', set: ['logLevel=debug'], reason: 'debugging' })).toEqual({
      target: { kind: 'agents', agentIds: ['a1', 'a2'] },
      patch: { logLevel: 'debug' },
      reason: 'debugging',
    });
    expect(bulkRequestBody({ group: 'g1', set: ['metrics.detailed=true'] })).toEqual({
      target: { kind: 'group', groupId: 'g1' },
      patch: { metrics: { detailed: true } },
    });
    expect(bulkRequestBody({ selector: 'env=prod,role=edge', file: file('p.json', '{}') }).target).toEqual({
      kind: 'selector',
      labels: { env: 'prod', role: 'edge' },
    });
  });

  it.each([
    [{ set: ['logLevel=debug'] }, 'exactly one of --agents, --group, --selector'],
    [{ agents: 'a1', group: 'g1', set: [] }, 'exactly one of'],
    [{ agents: ' , ', set: [] }, '--agents'],
    [{ agents: 'a b', set: [] }, '--agents'],
    [{ selector: 'env', set: [] }, '--selector'],
    [{ agents: 'a1' }, 'either --file or --set'],
    [{ agents: 'a1', set: [], reason: ' ' }, '--reason'],
  ])('refuses %j naming %s', (flags, text) => {
    expect(refusal(() => bulkRequestBody(flags))).toContain(text);
  });
});

describe('fieldRows', () => {
  it('flattens sections and metadata into dotted fields, values as JSON unless text', () => {
    expect(
      fieldRows({
        logLevel: 'info',
        connectionLimits: { maxConnections: 5 },
        metadata: { site: 'a', old: null },
      }),
    ).toEqual([
      { field: 'logLevel', value: 'info' },
      { field: 'connectionLimits.maxConnections', value: '5' },
      { field: 'metadata.site', value: 'a' },
      { field: 'metadata.old', value: 'null' },
    ]);
  });
});
