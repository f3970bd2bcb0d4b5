// Test data for the group store contract and the groups service tests.
import type { Group } from './group.js';

export const GROUP_CREATED_AT = Date.UTC(2026, 0, 1);

export function groupFixture(id: string, overrides: Partial<Group> = {}): Group {
  const dynamic = overrides.kind === 'dynamic' || (overrides.kind === undefined && overrides.selector);
  return {
    id,
    name: `group ${id}`,
    description: '',
    kind: dynamic ? 'dynamic' : 'static',
    selector: null,
    priority: 0,
    createdAt: GROUP_CREATED_AT,
    createdBy: 'api_key:k1',
    updatedAt: GROUP_CREATED_AT,
    updatedBy: 'api_key:k1',
    revision: 1,
    ...overrides,
  };
}
