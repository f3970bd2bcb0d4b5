// MembershipChanges: listeners hear each change with fresh, de-duplicated
// lists; one that throws or rejects is reported and does not stop the others;
// empty changes and removed listeners are not called.
import { describe, expect, it } from 'vitest';
import { MembershipChanges, type MembershipChange } from './membership-changes.js';

describe('MembershipChanges', () => {
  it('tells every listener, reports failures, and skips empty changes', async () => {
    const errors: unknown[] = [];
    const changes = new MembershipChanges((error) => errors.push(error));
    const heard: MembershipChange[] = [];
    changes.listen(() => {
      throw new Error('sync');
    });
    changes.listen(async () => {
      throw new Error('async');
    });
    const stop = changes.listen((change) => heard.push(change));
    changes.emit({ groupIds: ['g1', 'g1'], agentIds: ['a1', 'a2', 'a1'] });
    changes.emit({ groupIds: [], agentIds: [] });
    stop();
    changes.emit({ groupIds: ['g2'], agentIds: [] });
    await Promise.resolve();
    expect(heard).toEqual([{ groupIds: ['g1'], agentIds: ['a1', 'a2'] }]);
    expect(errors.map((e) => (e as Error).message).sort()).toEqual(['async', 'async', 'sync', 'sync']);
  });
});
