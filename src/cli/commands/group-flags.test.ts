// `corral groups create|update`: the request bodies built from flags, and bad
// flags refused as usage errors naming the flag.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../usage-error.js';
import { createGroupBody, priority, updateGroupBody } from './group-flags.js';

describe('createGroupBody', () => {
  it('makes a static group by default and a dynamic one with --selector', () => {
    expect(createGroupBody({ name: 'web' })).toEqual({ kind: 'static', name: 'web' });
    expect(
      createGroupBody({ name: 'prod', selector: 'env=prod, team=blue', priority: '-20', description: 'd' }),
    ).toEqual({
      kind: 'dynamic',
      name: 'prod',
      description: 'd',
      selector: { env: 'prod', team: 'blue' },
      priority: -20,
    });
  });

  it.each([
    [{ name: 'x', kind: 'smart' }, '--kind'],
    [{ name: 'x', kind: 'dynamic' }, '--selector is required'],
    [{ name: 'x', kind: 'static', selector: 'a=b' }, '--selector makes a dynamic group'],
    [{ name: 'x', selector: ' , ' }, '--selector'],
    [{ name: 'x', selector: 'env' }, '--selector'],
    [{ name: 'x', selector: 'a=1,a=2' }, 'given twice'],
    [{ name: 'x', priority: '1001' }, '--priority'],
    [{ name: 'x', priority: '1.5' }, '--priority'],
    [{ name: 'x', priority: 'high' }, '--priority'],
  ])('refuses %j naming %s', (flags, text) => {
    expect(() => createGroupBody(flags)).toThrow(UsageError);
    expect(() => createGroupBody(flags)).toThrow(text);
  });
});

describe('updateGroupBody', () => {
  it('sends only what the flags name, and needs at least one', () => {
    expect(updateGroupBody({ priority: '+7' })).toEqual({ priority: 7 });
    expect(updateGroupBody({ name: 'n', selector: 'a=b' })).toEqual({ name: 'n', selector: { a: 'b' } });
    expect(() => updateGroupBody({})).toThrow('give at least one of');
  });

  it('reads priorities from -1000 to 1000', () => {
    expect([
      priority('--priority', '-1000'),
      priority('--priority', '1000'),
      priority('--priority', '0'),
    ]).toEqual([-1000, 1000, 0]);
    expect(() => priority('--priority', '-1001')).toThrow('-1000 to 1000');
  });
});
