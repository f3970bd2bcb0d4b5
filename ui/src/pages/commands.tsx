// Commands as they happen: a filtered, paged list (newest first) that reloads
// when commands change, and the way to send one.
import { useMemo, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import type { Page } from '../api/client';
import type { Command } from '../api/types';
import { Pager } from '../components/pager';
import { Problem } from '../components/problem';
import { useLiveReload } from '../live/live-context';
import { currentToken, firstPage, nextPage, previousPage, type PageCursor } from '../lib/page-tokens';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useSession } from '../session';
import { CommandTable } from './agent-detail';

const STATUSES = [
  'queued',
  'scheduled',
  'dispatched',
  'acknowledged',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancel_requested',
  'cancelled',
  'expired',
  'partially_failed',
];

export function CommandsPage() {
  const { me } = useSession();
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = useMemo(() => {
    const params = new URLSearchParams(search);
    return {
      status: params.get('status') ?? '',
      type: params.get('type') ?? '',
      agentId: params.get('agentId') ?? '',
      parentId: params.get('parentId') ?? '',
    };
  }, [search]);
  const [cursor, setCursor] = useState<{ search: string; at: PageCursor }>({ search, at: firstPage });
  const at = cursor.search === search ? cursor.at : firstPage;
  const setFilter = (key: keyof typeof filters, value: string) => {
    const params = new URLSearchParams(search);
    if (value) params.set(key, value);
    else params.delete(key);
    const text = params.toString();
    navigate(`/commands${text ? `?${text}` : ''}`, { replace: true });
  };
  const commands = useApi(
    (api, signal) =>
      api.get<Page<Command>>(
        '/commands',
        { ...filters, pageSize: 50, pageToken: currentToken(at) },
        { signal },
      ),
    [search, currentToken(at)],
  );
  useLiveReload((event) => event.type.startsWith('command_'), commands.reload, 750);
  return (
    <>
      <h1>Commands</h1>
      <div className="actions">
        {can(me.role, 'sendCommand') && (
          <Link className="button primary" href="/commands/new">
            New command
          </Link>
        )}
        <Link className="button" href="/commands/types">
          Command types
        </Link>
        {can(me.role, 'emergency') && (
          <Link className="button" href="/commands/emergency">
            Emergency controls
          </Link>
        )}
      </div>
      <form
        className="toolbar"
        role="search"
        aria-label="Filter commands"
        onSubmit={(e) => e.preventDefault()}
      >
        <label>
          Status
          <select value={filters.status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Type
          <input
            defaultValue={filters.type}
            onBlur={(e) => setFilter('type', e.target.value.trim())}
            size={12}
          />
        </label>
        <label>
          Agent
          <input
            defaultValue={filters.agentId}
            onBlur={(e) => setFilter('agentId', e.target.value.trim())}
            size={14}
          />
        </label>
      </form>
      <Problem error={commands.error} title="Could not list commands" />
      <CommandTable commands={commands.data?.items ?? []} label="Commands" />
      <Pager
        label="Commands pages"
        page={at.page}
        hasNext={commands.data?.nextPageToken !== undefined}
        onPrevious={() => setCursor({ search, at: previousPage(at) })}
        onNext={() => setCursor({ search, at: nextPage(at, commands.data?.nextPageToken) })}
      />
    </>
  );
}
