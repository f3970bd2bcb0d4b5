// The agents table's filters and sort, kept in the page URL (so a view can be
// bookmarked, shared and reloaded) and turned into GET /api/v1/agents queries.
import type { Query } from '../api/client';

export const SORT_FIELDS = [
  'name',
  'status',
  'health',
  'type',
  'version',
  'lastSeenAt',
  'enrolledAt',
  'id',
] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export interface AgentFilters {
  readonly q: string;
  readonly status: readonly string[];
  readonly health: readonly string[];
  readonly type: string;
  readonly version: string;
  readonly group: string;
  /** `key=value`, several separated by commas. */
  readonly label: string;
  readonly capability: string;
  readonly sort: SortField;
  readonly order: 'asc' | 'desc';
}

export const NO_FILTERS: AgentFilters = {
  q: '',
  status: [],
  health: [],
  type: '',
  version: '',
  group: '',
  label: '',
  capability: '',
  sort: 'name',
  order: 'asc',
};

const list = (value: string | null) => (value ? value.split(',').filter((v) => v !== '') : []);

export function filtersFromSearch(search: string): AgentFilters {
  const params = new URLSearchParams(search);
  const sort = params.get('sort');
  return {
    q: params.get('q') ?? '',
    status: list(params.get('status')),
    health: list(params.get('health')),
    type: params.get('type') ?? '',
    version: params.get('version') ?? '',
    group: params.get('group') ?? '',
    label: params.get('label') ?? '',
    capability: params.get('capability') ?? '',
    sort: (SORT_FIELDS as readonly string[]).includes(sort ?? '') ? (sort as SortField) : NO_FILTERS.sort,
    order: params.get('order') === 'desc' ? 'desc' : 'asc',
  };
}

/** The URL search for these filters, leaving defaults out ("" when nothing is set). */
export function searchFromFilters(filters: AgentFilters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters) as [
    keyof AgentFilters,
    AgentFilters[keyof AgentFilters],
  ][]) {
    const text = Array.isArray(value) ? value.join(',') : String(value);
    if (text !== '' && text !== String(NO_FILTERS[key])) params.set(key, text);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The API query for a page of the table. */
export function agentQuery(filters: AgentFilters, pageSize: number, pageToken: string | undefined): Query {
  return {
    q: filters.q.trim(),
    status: filters.status,
    health: filters.health,
    type: filters.type,
    version: filters.version,
    group: filters.group,
    label: filters.label.replaceAll(' ', ''),
    capability: filters.capability.trim(),
    sort: filters.sort,
    order: filters.order,
    pageSize,
    pageToken,
  };
}

/** Clicking a column header: sort by it ascending, or flip the order when it already sorts. */
export function toggleSort(filters: AgentFilters, field: SortField): AgentFilters {
  if (filters.sort === field) return { ...filters, order: filters.order === 'asc' ? 'desc' : 'asc' };
  return { ...filters, sort: field, order: 'asc' };
}
