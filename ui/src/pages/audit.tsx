// The audit log: who did what, filtered by actor, action, target and outcome;
// reloaded as changes happen (every admin mutation is audited, and nearly all
// also raise an event).
import { useState } from 'react';
import type { Page } from '../api/client';
import type { AuditEntry } from '../api/types';
import { Badge } from '../components/badges';
import { Pager } from '../components/pager';
import { Problem } from '../components/problem';
import { useLiveReload } from '../live/live-context';
import { formatTime } from '../lib/format';
import { currentToken, firstPage, nextPage, previousPage } from '../lib/page-tokens';
import { useApi } from '../lib/use-api';

export function AuditPage() {
  const [filters, setFilters] = useState({ actor: '', action: '', targetId: '', outcome: '' });
  const [cursor, setCursor] = useState(firstPage);
  const entries = useApi(
    (a, signal) =>
      a.get<Page<AuditEntry & { actorName: string }>>(
        '/audit',
        { ...filters, pageSize: 50, pageToken: currentToken(cursor) },
        { signal },
      ),
    [JSON.stringify(filters), currentToken(cursor)],
  );
  useLiveReload(() => cursor.page === 0, entries.reload, 1500);
  const set = (key: keyof typeof filters, value: string) => {
    setFilters((f) => ({ ...f, [key]: value.trim() }));
    setCursor(firstPage);
  };
  return (
    <>
      <h1>Audit log</h1>
      <form
        className="toolbar"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(e) => e.preventDefault()}
      >
        <label>
          Actor
          <input
            defaultValue={filters.actor}
            onBlur={(e) => set('actor', e.target.value)}
            placeholder="api_key:<id>"
          />
        </label>
        <label>
          Action
          <input
            defaultValue={filters.action}
            onBlur={(e) => set('action', e.target.value)}
            placeholder="e.g. command.create"
          />
        </label>
        <label>
          Target id
          <input defaultValue={filters.targetId} onBlur={(e) => set('targetId', e.target.value)} />
        </label>
        <label>
          Outcome
          <select value={filters.outcome} onChange={(e) => set('outcome', e.target.value)}>
            <option value="">any</option>
            <option>success</option>
            <option>failure</option>
          </select>
        </label>
      </form>
      <Problem error={entries.error} title="Could not read the audit log" />
      <div className="table-wrap">
        <table aria-label="Audit log">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {(entries.data?.items ?? []).map((e) => (
              <tr key={e.id}>
                <td>{formatTime(e.at)}</td>
                <td>
                  {e.actorName} <div className="muted">{e.actor}</div>
                </td>
                <td>{e.action}</td>
                <td>
                  {e.targetKind} {e.targetId ?? ''}
                </td>
                <td>
                  <Badge value={e.outcome === 'success' ? 'succeeded' : 'failed'} /> {e.errorCode ?? ''}
                </td>
                <td>
                  <code>{JSON.stringify(e.details ?? {}).slice(0, 160)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager
        label="Audit pages"
        page={cursor.page}
        hasNext={entries.data?.nextPageToken !== undefined}
        onPrevious={() => setCursor(previousPage(cursor))}
        onNext={() => setCursor(nextPage(cursor, entries.data?.nextPageToken))}
      />
    </>
  );
}
