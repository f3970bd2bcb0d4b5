import { describe, expect, it } from 'vitest';
import { queryString } from '../api/client';
import { agentQuery, filtersFromSearch, NO_FILTERS, searchFromFilters, toggleSort } from './agent-filters';

describe('agent filters', () => {
  it('round-trip through the URL, defaults left out', () => {
    const filters = {
      ...NO_FILTERS,
      q: 'web',
      status: ['online', 'offline'],
      group: 'g1',
      sort: 'lastSeenAt' as const,
      order: 'desc' as const,
    };
    const search = searchFromFilters(filters);
    expect(search).toBe('?q=web&status=online%2Coffline&group=g1&sort=lastSeenAt&order=desc');
    expect(filtersFromSearch(search)).toEqual(filters);
    expect(searchFromFilters(NO_FILTERS)).toBe('');
  });

  it('ignores what it does not know in a URL', () => {
    expect(filtersFromSearch('?sort=colour&order=sideways&status=,online,')).toEqual({
      ...NO_FILTERS,
      status: ['online'],
    });
  });

  it('become an API query without empty values', () => {
    const query = agentQuery(
      { ...NO_FILTERS, label: 'env = prod, team=red', health: ['degraded'] },
      50,
      'tok',
    );
    expect(queryString(query)).toBe(
      '?health=degraded&label=env%3Dprod%2Cteam%3Dred&sort=name&order=asc&pageSize=50&pageToken=tok',
    );
  });

  it('sort by a new column ascending, then flip', () => {
    const byHealth = toggleSort(NO_FILTERS, 'health');
    expect([byHealth.sort, byHealth.order]).toEqual(['health', 'asc']);
    expect(toggleSort(byHealth, 'health').order).toBe('desc');
  });
});
