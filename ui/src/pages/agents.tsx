// The agents table: search, filters (status, health, type, version, group,
// label, capability), sorting and paging, all done by the API (GET
// /api/v1/agents), all kept in the URL. The page on screen reloads when agents
// change.
import { useMemo, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import type { Page } from '../api/client';
import type { Agent, FleetStatistics, Group } from '../api/types';
import { Badge } from '../components/badges';
import { Pager } from '../components/pager';
import { Problem } from '../components/problem';
import { useLiveReload } from '../live/live-context';
import {
  agentQuery,
  filtersFromSearch,
  searchFromFilters,
  toggleSort,
  type AgentFilters,
  type SortField,
} from '../lib/agent-filters';
import { labelsText, timeAgo } from '../lib/format';
import { currentToken, firstPage, nextPage, previousPage, type PageCursor } from '../lib/page-tokens';
import { useApi } from '../lib/use-api';

const PAGE_SIZE = 50;
const STATUSES = ['online', 'offline', 'inactive', 'decommissioned'];
const HEALTHS = ['healthy', 'degraded', 'unhealthy', 'unknown'];

export function AgentsPage() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const [cursor, setCursor] = useState<{ search: string; at: PageCursor }>({ search, at: firstPage });
  const at = cursor.search === search ? cursor.at : firstPage;
  const setFilters = (next: AgentFilters) => navigate(`/agents${searchFromFilters(next)}`, { replace: true });

  const agents = useApi(
    (api, signal) =>
      api.get<Page<Agent>>('/agents', agentQuery(filters, PAGE_SIZE, currentToken(at)), { signal }),
    [search, currentToken(at)],
  );
  const choices = useApi(async (api, signal) => {
    const [fleet, groups] = await Promise.all([
      api.get<FleetStatistics>('/fleet/statistics', {}, { signal }),
      api.get<Page<Group>>('/groups', { pageSize: 500 }, { signal }),
    ]);
    return { fleet, groups: groups.items };
  }, []);
  useLiveReload(
    (event) => event.type.startsWith('agent_') || event.type === 'group_membership_changed',
    agents.reload,
    1000,
  );

  const rows = agents.data?.items ?? [];
  return (
    <>
      <h1>Agents</h1>
      <FilterBar
        filters={filters}
        onChange={setFilters}
        types={Object.keys(choices.data?.fleet.byType ?? {})}
        versions={Object.keys(choices.data?.fleet.byVersion ?? {})}
        groups={choices.data?.groups ?? []}
      />
      <Problem error={agents.error} title="Could not list agents" />
      <p className="muted" aria-live="polite">
        {agents.loading && !agents.data
          ? 'Loading…'
          : `${rows.length} agent${rows.length === 1 ? '' : 's'} on this page`}
      </p>
      <div className="table-wrap">
        <table aria-label="Agents">
          <thead>
            <tr>
              <SortHeader field="name" label="Name" filters={filters} onSort={setFilters} />
              <SortHeader field="status" label="Status" filters={filters} onSort={setFilters} />
              <SortHeader field="health" label="Health" filters={filters} onSort={setFilters} />
              <SortHeader field="type" label="Type" filters={filters} onSort={setFilters} />
              <SortHeader field="version" label="Version" filters={filters} onSort={setFilters} />
              <th scope="col">Host</th>
              <SortHeader field="lastSeenAt" label="Last seen" filters={filters} onSort={setFilters} />
              <th scope="col">Labels</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((agent) => (
              <tr key={agent.id} className={rowClass(agent)}>
                <td>
                  <Link href={`/agents/${encodeURIComponent(agent.id)}`}>{agent.name || agent.id}</Link>
                  {agent.name !== agent.id && <div className="muted">{agent.id}</div>}
                </td>
                <td>
                  <Badge value={agent.status} />
                </td>
                <td>
                  <Badge value={agent.health} />
                </td>
                <td>{agent.type}</td>
                <td>{agent.version}</td>
                <td>
                  {agent.hostname}
                  <div className="muted">{agent.ipAddress}</div>
                </td>
                <td>{timeAgo(agent.lastSeenAt)}</td>
                <td>{labelsText(agent.labels)}</td>
              </tr>
            ))}
            {rows.length === 0 && !agents.loading && (
              <tr>
                <td colSpan={8} className="muted">
                  No agent matches.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <Pager
        label="Agents pages"
        page={at.page}
        hasNext={agents.data?.nextPageToken !== undefined}
        onPrevious={() => setCursor({ search, at: previousPage(at) })}
        onNext={() => setCursor({ search, at: nextPage(at, agents.data?.nextPageToken) })}
      />
    </>
  );
}

function rowClass(agent: Agent): string {
  if (agent.status === 'offline' || agent.status === 'inactive' || agent.status === 'decommissioned')
    return 'row-quiet';
  if (agent.health === 'degraded') return 'row-degraded';
  if (agent.health === 'unhealthy') return 'row-unhealthy';
  return '';
}

function SortHeader(props: {
  field: SortField;
  label: string;
  filters: AgentFilters;
  onSort: (f: AgentFilters) => void;
}) {
  const active = props.filters.sort === props.field;
  const sortState = active ? (props.filters.order === 'asc' ? 'ascending' : 'descending') : 'none';
  return (
    <th scope="col" aria-sort={sortState}>
      <button
        type="button"
        className="sort"
        onClick={() => props.onSort(toggleSort(props.filters, props.field))}
      >
        {props.label}
        <span aria-hidden="true">{active ? (props.filters.order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
}

function FilterBar(props: {
  filters: AgentFilters;
  onChange: (filters: AgentFilters) => void;
  types: string[];
  versions: string[];
  groups: Group[];
}) {
  const { filters, onChange } = props;
  const [q, setQ] = useState(filters.q);
  const [label, setLabel] = useState(filters.label);
  const [capability, setCapability] = useState(filters.capability);
  const applyText = (event: FormEvent) => {
    event.preventDefault();
    onChange({ ...filters, q, label, capability });
  };
  return (
    <form className="toolbar" role="search" aria-label="Filter agents" onSubmit={applyText}>
      <label>
        Search
        <input
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder="id, name or host"
        />
      </label>
      <label>
        Status
        <select
          value={filters.status[0] ?? ''}
          onChange={(e) => onChange({ ...filters, status: e.target.value ? [e.target.value] : [] })}
        >
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </label>
      <label>
        Health
        <select
          value={filters.health[0] ?? ''}
          onChange={(e) => onChange({ ...filters, health: e.target.value ? [e.target.value] : [] })}
        >
          <option value="">any</option>
          {HEALTHS.map((h) => (
            <option key={h}>{h}</option>
          ))}
        </select>
      </label>
      <label>
        Type
        <select value={filters.type} onChange={(e) => onChange({ ...filters, type: e.target.value })}>
          <option value="">any</option>
          {props.types.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <label>
        Version
        <select value={filters.version} onChange={(e) => onChange({ ...filters, version: e.target.value })}>
          <option value="">any</option>
          {props.versions.map((v) => (
            <option key={v}>{v}</option>
          ))}
        </select>
      </label>
      <label>
        Group
        <select value={filters.group} onChange={(e) => onChange({ ...filters, group: e.target.value })}>
          <option value="">any</option>
          {props.groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Label
        <input value={label} onChange={(e) => setLabel(e.target.value)} placeholder="key=value" size={12} />
      </label>
      <label>
        Capability
        <input value={capability} onChange={(e) => setCapability(e.target.value)} size={10} />
      </label>
      <button type="submit" className="primary">
        Apply
      </button>
    </form>
  );
}
