// One command: where it stands, its full state history, progress, result or
// error, a bulk parent's children by status, and cancel while it can be.
import { useState } from 'react';
import { Link, useParams } from 'wouter';
import type { Command } from '../api/types';
import { Badge } from '../components/badges';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Problem } from '../components/problem';
import { useLiveReload } from '../live/live-context';
import { formatTime, words } from '../lib/format';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useSession } from '../session';

const FINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'expired', 'partially_failed']);

export function CommandDetailPage() {
  const { id } = useParams<{ id: string }>();
  const commandId = decodeURIComponent(id);
  const path = `/commands/${encodeURIComponent(commandId)}`;
  const { me, api } = useSession();
  const command = useApi((a, signal) => a.get<Command>(path, {}, { signal }), [path]);
  useLiveReload(
    (event) => event.subject.id === commandId || event.data.parentId === commandId,
    command.reload,
    300,
  );
  const [confirming, setConfirming] = useState(false);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const c = command.data;
  if (command.error && !c)
    return <Problem error={command.error} title={`Could not load command ${commandId}`} />;
  if (!c) return <p className="muted">Loading…</p>;
  const cancel = async () => {
    setConfirming(false);
    setActionError(undefined);
    try {
      await api.post(`${path}/cancel`, { reason: 'cancelled from the dashboard' });
      command.reload();
    } catch (error) {
      setActionError(error);
    }
  };
  return (
    <>
      <h1>
        Command {c.type} <Badge value={c.status} />
      </h1>
      <p className="visually-hidden" aria-live="polite">
        Status: {words(c.status)}
      </p>
      {can(me.role, 'cancelCommand') && !FINAL.has(c.status) && c.status !== 'cancel_requested' && (
        <div className="actions">
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Cancel command
          </button>
        </div>
      )}
      <Problem error={actionError} />
      <ConfirmDialog
        open={confirming}
        title="Cancel this command?"
        confirmLabel="Cancel command"
        danger
        onConfirm={() => void cancel()}
        onCancel={() => setConfirming(false)}
      >
        <p>A command already on an agent is cancelled once the agent confirms.</p>
      </ConfirmDialog>
      <div className="two-col">
        <section className="card" aria-labelledby="summary">
          <h2 id="summary">Summary</h2>
          <dl className="facts">
            <dt>Id</dt>
            <dd>
              <code>{c.id}</code>
            </dd>
            <dt>Agent</dt>
            <dd>
              {c.agentId ? (
                <Link href={`/agents/${encodeURIComponent(c.agentId)}`}>{c.agentId}</Link>
              ) : (
                'none (bulk parent or not placed yet)'
              )}
            </dd>
            <dt>Target</dt>
            <dd>
              <code>{JSON.stringify(c.target)}</code>
            </dd>
            {c.parentId && (
              <>
                <dt>Part of</dt>
                <dd>
                  <Link href={`/commands/${encodeURIComponent(c.parentId)}`}>{c.parentId}</Link>
                </dd>
              </>
            )}
            <dt>Priority</dt>
            <dd>{c.priority}</dd>
            <dt>Requested by</dt>
            <dd>{c.requester}</dd>
            <dt>Created</dt>
            <dd>{formatTime(c.createdAt)}</dd>
            <dt>Deadline</dt>
            <dd>{formatTime(c.deadlineAt)}</dd>
            <dt>Expires</dt>
            <dd>{formatTime(c.expiresAt)}</dd>
            <dt>Deliveries</dt>
            <dd>{c.deliveries}</dd>
            <dt>Progress</dt>
            <dd>
              {c.progress ? (
                <progress max={100} value={c.progress.percent} aria-label="Progress">
                  {c.progress.percent}%
                </progress>
              ) : (
                '–'
              )}{' '}
              {c.progress?.message}
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="history-title">
          <h2 id="history-title">State history</h2>
          <ol className="plain" aria-label="State history">
            {c.history.map((h, i) => (
              <li key={`${h.status}-${i}`}>
                <Badge value={h.status} /> {formatTime(h.at)}{' '}
                {h.detail && <span className="muted">— {h.detail}</span>}
              </li>
            ))}
          </ol>
        </section>
      </div>
      {c.children && (
        <section aria-labelledby="children-title">
          <h2 id="children-title">Per-agent commands ({c.children.total})</h2>
          <ul className="plain">
            {Object.entries(c.children.byStatus).map(([status, n]) => (
              <li key={status}>
                <Badge value={status} /> {n}
              </li>
            ))}
          </ul>
          <Link href={`/commands?parentId=${encodeURIComponent(c.id)}`}>List them</Link>
        </section>
      )}
      <section aria-labelledby="params-title">
        <h2 id="params-title">Parameters</h2>
        <pre>{JSON.stringify(c.params, null, 2)}</pre>
      </section>
      {(c.result !== null || c.error) && (
        <section aria-labelledby="result-title">
          <h2 id="result-title">{c.error ? 'Error' : 'Result'}</h2>
          <pre>{JSON.stringify(c.error ?? c.result, null, 2)}</pre>
        </section>
      )}
    </>
  );
}
