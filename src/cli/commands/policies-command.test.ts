// `corral policies create|update`: the request body built from --file,
// --rules-file and flags (flags win, then the rules file, then the policy file,
// then what is stored), and bad files refused as usage errors naming the flag.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../usage-error.js';
import { policyBody } from './policies-command.js';

const dir = mkdtempSync(join(tmpdir(), 'corral-policy-body-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

const rules = { defaultAction: 'block', rules: [{ id: 'r', match: { methods: ['GET'] }, action: 'allow' }] };

describe('policyBody', () => {
  it('layers flags over the rules file over the policy file', () => {
    const policy = file('p.json', { name: 'from-file', mode: 'monitor', defaultAction: 'allow', rules: [] });
    expect(
      policyBody({ file: policy, rulesFile: file('r.json', rules), name: 'flag', reason: 'why' }),
    ).toEqual({
      name: 'flag',
      mode: 'monitor',
      ...rules,
      reason: 'why',
    });
  });

  it('keeps what is stored unless something replaces it, dropping what the server adds', () => {
    const current = {
      id: 'P1',
      name: 'edge',
      description: 'd',
      mode: 'enforce',
      version: 4,
      defaultAction: 'allow',
      rules: [],
      updatedAt: 'x',
    };
    expect(policyBody({ mode: 'monitor' }, current)).toEqual({
      name: 'edge',
      description: 'd',
      mode: 'monitor',
      defaultAction: 'allow',
      rules: [],
    });
  });

  it('refuses unreadable, non-JSON and non-object files, and extra members in the rules file', () => {
    const refused = (flags: Parameters<typeof policyBody>[0]) => {
      try {
        policyBody(flags);
      } catch (error) {
        if (error instanceof UsageError) return error.message;
        throw error;
      }
      throw new Error('expected a usage error');
    };
    expect(refused({ file: join(dir, 'missing.json') })).toMatch(/^--file: cannot read/);
    expect(refused({ file: file('bad.json', '{nope') })).toMatch(/^--file: .* is not valid JSON/);
    expect(refused({ rulesFile: file('list.json', []) })).toMatch(
      /^--rules-file: .* must hold a JSON object/,
    );
    expect(refused({ rulesFile: file('extra.json', { ...rules, mode: 'enforce' }) })).toMatch(
      /^--rules-file: .* not mode$/,
    );
  });
});
