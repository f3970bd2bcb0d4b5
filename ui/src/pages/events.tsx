// The event log: filtered by type and subject, paged from the API, and a live
// tail that puts new matching events on top as they happen.
import { useState } from 'react';
import { Link } from 'wouter';
import type { Page } from '../api/client';
import type { LiveEvent } from '../api/types';
import { Pager } from '../components/pager';
import { Problem } from '../components/problem';
import { useLiveEvents } from '../live/live-context';
import { formatTime } from '../lib/format';
import { matchesFilters, prependEvent } from '../lib/live-tail';
import { currentToken, firstPage, nextPage, previousPage } from '../lib/page-tokens';
import { useApi } from '../lib/use-api';

const TAIL_MAX = 200;

function subjectLink(event: LiveEvent) {
  const { kind, id } = event.subject;
  const base =
    kind === 'agent'
      ? '/agents'
      : kind === 'command'
        ? '/commands'
        : kind === 'group'
          ? '/groups'
          : kind === 'policy'
            ? '/policies'
            : undefined;
  return base ? <Link href={`${base}/${encodeURIComponent(id)}`}>{id}</Link> : <code>{id}</code>;
}

export function EventsPage() {
  const [type, setType] = useState('');
  const [subjectId, setSubjectId] = useState('');
  const [tail, setTail] = useState(true);
  const [cursor, setCursor] = useState(firstPage);
  const [live, setLive] = useState<LiveEvent[]>([]);
  const filters = { types: type ? [type] : [], subjectId: subjectId.trim() };
  const events = useApi(
    (a, signal) =>
      a.get<Page<LiveEvent>>(
        '/events',
        { type, subjectId: subjectId.trim(), pageSize: 50, pageToken: currentToken(cursor) },
        { signal },
      ),
    [type, subjectId, currentToken(cursor)],
  );
  useLiveEvents((event) => {
    if (tail && cursor.page === 0 && matchesFilters(event, filters))
      setLive((shown) => prependEvent(shown, event, TAIL_MAX));
  });
  const loaded = events.data?.items ?? [];
  let shown = loaded;
  if (cursor.page === 0) for (const e of live) shown = prependEvent(shown, e, TAIL_MAX);
  const refilter = (apply: () => void) => {
    apply();
    setLive([]);
    setCursor(firstPage);
  };
  return (
    <>
      <h1>Events</h1>
      <form className="toolbar" role="search" aria-label="Filter events" onSubmit={(e) => e.preventDefault()}>
        <label>
          Event type
          <input
            value={type}
            onChange={(e) => refilter(() => setType(e.target.value.trim()))}
            placeholder="e.g. command_status_changed"
            size={24}
          />
        </label>
        <label>
          Subject id
          <input value={subjectId} onChange={(e) => refilter(() => setSubjectId(e.target.value))} size={20} />
        </label>
        <label className="inline">
          <input type="checkbox" checked={tail} onChange={(e) => setTail(e.target.checked)} /> Live tail
        </label>
      </form>
      <Problem error={events.error} title="Could not list events" />
      <div className="table-wrap">
        <table aria-label="Events">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Type</th>
              <th scope="col">Subject</th>
              <th scope="col">Actor</th>
              <th scope="col">Data</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.id}>
                <td>{formatTime(e.occurredAt)}</td>
                <td>{e.type}</td>
                <td>
                  {e.subject.kind} {subjectLink(e)}
                </td>
                <td>{e.actor}</td>
                <td>
                  <code>{JSON.stringify(e.data).slice(0, 160)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager
        label="Events pages"
        page={cursor.page}
        hasNext={events.data?.nextPageToken !== undefined}
        onPrevious={() => setCursor(previousPage(cursor))}
        onNext={() => setCursor(nextPage(cursor, events.data?.nextPageToken))}
      />
    </>
  );
}
