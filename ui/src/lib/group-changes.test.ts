import { describe, expect, it } from 'vitest';
import type { Group } from '../api/types';
import { groupChanges, groupForm } from './group-changes';

const dynamicGroup: Group = {
  id: 'g1',
  name: 'Web',
  description: '',
  kind: 'dynamic',
  selector: { env: 'prod', role: 'web' },
  priority: 5,
  revision: 3,
};

describe('group changes', () => {
  it('are empty when the form is left as loaded', () => {
    expect(groupChanges(dynamicGroup, groupForm(dynamicGroup))).toEqual({ changes: {} });
  });

  it('hold only what changed, the selector parsed and compared whatever its order', () => {
    const form = {
      ...groupForm(dynamicGroup),
      name: ' Web front ',
      priority: '7',
      selector: 'role=web, env=prod',
    };
    expect(groupChanges(dynamicGroup, form)).toEqual({ changes: { name: 'Web front', priority: 7 } });
    expect(groupChanges(dynamicGroup, { ...form, selector: 'env=staging' })).toEqual({
      changes: { name: 'Web front', priority: 7, selector: { env: 'staging' } },
    });
  });

  it('refuse a priority that is not a whole number and an empty or malformed selector', () => {
    const form = groupForm(dynamicGroup);
    expect(groupChanges(dynamicGroup, { ...form, priority: '1.5' })).toHaveProperty('error');
    expect(groupChanges(dynamicGroup, { ...form, priority: ' ' })).toHaveProperty('error');
    expect(groupChanges(dynamicGroup, { ...form, selector: '' })).toHaveProperty('error');
    expect(groupChanges(dynamicGroup, { ...form, selector: 'env' })).toHaveProperty('error');
  });

  it('never send a selector for a static group', () => {
    const staticGroup: Group = { ...dynamicGroup, kind: 'static', selector: null };
    const form = { ...groupForm(staticGroup), description: 'by hand', selector: 'env=prod' };
    expect(groupChanges(staticGroup, form)).toEqual({ changes: { description: 'by hand' } });
  });
});
