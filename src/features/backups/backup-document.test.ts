// The backup document format on its own: a sealed document opens again, also
// re-indented or with its keys in another order (the checksum covers the
// canonical JSON of the content); any change to the content, and parts that
// disagree with the scope, are refused naming the field.
import { describe, expect, it } from 'vitest';
import { CorralError } from '../../shared/errors.js';
import { openBackupDocument, parseScopeKey, sealBackup, type BackupContent } from './backup-document.js';
import { checksumOf } from './sealed-document.js';

const META = { id: '01HBACKUP', name: 'nightly', createdAt: Date.UTC(2026, 0, 2), createdBy: 'api_key:k1' };
const CONTENT: BackupContent = {
  scope: 'group:g1',
  members: ['a1', 'a2'],
  layers: [
    {
      scope: 'group:g1',
      revision: 3,
      revisionId: 'r3',
      document: { logLevel: 'debug', metrics: { detailed: true } },
    },
  ],
  assignments: [
    { policyId: 'p1', policyName: 'edge', policyVersion: 2, targetKind: 'agent', targetId: 'a2' },
  ],
};

function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversedKeys(v)]),
  );
}

const refusal = (input: unknown) => {
  try {
    openBackupDocument(input);
  } catch (error) {
    if (error instanceof CorralError) return error.violations.map((v) => v.field);
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('the corral.backup document', () => {
  it('is sealed with the checksum of its content and opens again however it is laid out', () => {
    const document = sealBackup(META, CONTENT);
    expect(document).toMatchObject({
      format: 'corral.backup',
      version: 1,
      scope: 'group:g1',
      createdAt: '2026-01-02T00:00:00.000Z',
      checksum: checksumOf(CONTENT),
    });
    expect(openBackupDocument(JSON.stringify(document))).toEqual(document);
    expect(openBackupDocument(JSON.stringify(document, null, 2))).toEqual(document);
    expect(openBackupDocument(reversedKeys(document))).toEqual(document);
  });

  it('refuses content changed after sealing, and parts outside its scope', () => {
    const document = sealBackup(META, CONTENT);
    expect(refusal({ ...document, content: { ...CONTENT, members: ['a1'] } })).toEqual(['checksum']);
    const outside = { ...CONTENT, members: ['a1'] };
    expect(refusal(sealBackup(META, outside))).toEqual(['content.assignments.0.targetId']);
    const twice = { ...CONTENT, layers: [...CONTENT.layers, ...CONTENT.layers] };
    expect(refusal(sealBackup(META, twice))).toEqual(['content.layers.1.scope']);
    const agentScope = { ...CONTENT, scope: 'agent:a2' };
    expect(refusal(sealBackup(META, agentScope))).toEqual(['content.members', 'content.layers.0.scope']);
  });

  it('reads scopes', () => {
    expect(parseScopeKey('fleet')).toEqual({ kind: 'fleet' });
    expect(parseScopeKey('group:01H:x')).toEqual({ kind: 'group', id: '01H:x' });
    expect(parseScopeKey('agent:a-1')).toEqual({ kind: 'agent', id: 'a-1' });
    for (const bad of ['', 'fleet:x', 'group:', 'planet:1', 'agent:-x'])
      expect(parseScopeKey(bad)).toBeUndefined();
  });
});
