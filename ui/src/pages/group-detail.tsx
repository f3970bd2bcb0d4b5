// One group: its members (added and removed by hand for a static group), a
// summary by connectivity, health and compliance, and its configuration layer.
import { useState, type FormEvent } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import type { Page } from '../api/client';
import type { Group } from '../api/types';
import { Badge } from '../components/badges';
import { ConfirmDialog } from '../components/confirm-dialog';
import { GroupEditForm } from '../components/group-edit-form';
import { LayerEditor } from '../components/layer-editor';
import { Problem } from '../components/problem';
import { useLiveReload } from '../live/live-context';
import { labelsText } from '../lib/format';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';

interface Member {
  agentId: string;
  name: string;
  hostname: string;
  status: string;
  health: string;
  labels: Record<string, string>;
}

interface Summary {
  members: number;
  byStatus: Record<string, number>;
  byHealth: Record<string, number>;
  compliance: Record<string, number> | null;
}

export function GroupDetailPage() {
  const { id } = useParams<{ id: string }>();
  const groupId = decodeURIComponent(id);
  const path = `/groups/${encodeURIComponent(groupId)}`;
  const { me, api } = useSession();
  const [, navigate] = useLocation();
  const group = useApi((a, signal) => a.get<Group>(path, {}, { signal }), [path]);
  const members = useApi(
    (a, signal) => a.get<Page<Member>>(`${path}/members`, { pageSize: 500 }, { signal }),
    [path],
  );
  const summary = useApi((a, signal) => a.get<Summary>(`${path}/summary`, {}, { signal }), [path]);
  useLiveReload(
    (e) => e.type === 'group_membership_changed' || e.type.startsWith('agent_'),
    members.reload,
    1000,
  );
  useLiveReload((e) => /^(agent_|compliance_changed|config_|group_)/.test(e.type), summary.reload, 750);
  const [newMembers, setNewMembers] = useState('');
  const { problem, attempt } = useAttempt();
  const [deleting, setDeleting] = useState(false);
  const g = group.data;
  if (group.error && !g) return <Problem error={group.error} title={`Could not load group ${groupId}`} />;
  if (!g) return <p className="muted">Loading…</p>;
  const editable = can(me.role, 'editGroups');
  const act = (run: () => Promise<unknown>) =>
    attempt(async () => {
      await run();
      members.reload();
      summary.reload();
    });
  const add = (event: FormEvent) => {
    event.preventDefault();
    const agentIds = newMembers.split(/[\s,]+/).filter((x) => x !== '');
    void act(async () => {
      await api.post(`${path}/members`, { agentIds });
      setNewMembers('');
    });
  };
  return (
    <>
      <h1>Group {g.name}</h1>
      <p className="muted">
        {g.kind === 'dynamic'
          ? `Dynamic: agents with ${labelsText(g.selector ?? {})}`
          : 'Static: members added by hand'}{' '}
        · priority {g.priority} · revision {g.revision}
      </p>
      {g.description && <p>{g.description}</p>}
      {editable && (
        <div className="actions">
          <Link className="button" href={`/commands/new`}>
            Send a command
          </Link>
          <button type="button" className="danger" onClick={() => setDeleting(true)}>
            Delete group
          </button>
        </div>
      )}
      <ConfirmDialog
        open={deleting}
        title={`Delete group ${g.name}?`}
        confirmLabel="Delete group"
        danger
        onCancel={() => setDeleting(false)}
        onConfirm={() => {
          setDeleting(false);
          void act(async () => {
            await api.delete(path);
            navigate('/groups');
          });
        }}
      >
        <p>Its configuration layer and policy assignments no longer apply to its members.</p>
      </ConfirmDialog>
      <Problem error={problem} />
      <section className="card" aria-label="Group summary">
        <h2>Summary</h2>
        {summary.data && (
          <dl className="facts">
            <dt>Members</dt>
            <dd>{summary.data.members}</dd>
            <dt>Connectivity</dt>
            <dd>
              {Object.entries(summary.data.byStatus).map(([k, n]) => (
                <span key={k}>
                  <Badge value={k} /> {n}{' '}
                </span>
              ))}
            </dd>
            <dt>Health</dt>
            <dd>
              {Object.entries(summary.data.byHealth).map(([k, n]) => (
                <span key={k}>
                  <Badge value={k} /> {n}{' '}
                </span>
              ))}
            </dd>
            <dt>Compliance</dt>
            <dd aria-label="Group compliance">
              {summary.data.compliance
                ? Object.entries(summary.data.compliance).map(([k, n]) => (
                    <span key={k}>
                      <Badge value={k} /> {n}{' '}
                    </span>
                  ))
                : 'not reported yet'}
            </dd>
          </dl>
        )}
      </section>
      <section aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <div className="table-wrap">
          <table aria-label="Members">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Status</th>
                <th scope="col">Health</th>
                <th scope="col">Labels</th>
                {editable && g.kind === 'static' && <th scope="col">Remove</th>}
              </tr>
            </thead>
            <tbody>
              {(members.data?.items ?? []).map((m) => (
                <tr key={m.agentId}>
                  <td>
                    <Link href={`/agents/${encodeURIComponent(m.agentId)}`}>{m.name || m.agentId}</Link>
                  </td>
                  <td>
                    <Badge value={m.status} />
                  </td>
                  <td>
                    <Badge value={m.health} />
                  </td>
                  <td>{labelsText(m.labels)}</td>
                  {editable && g.kind === 'static' && (
                    <td>
                      <button
                        type="button"
                        onClick={() =>
                          void act(() => api.delete(`${path}/members/${encodeURIComponent(m.agentId)}`))
                        }
                      >
                        Remove {m.name || m.agentId}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {editable && g.kind === 'static' && (
          <form className="toolbar" onSubmit={add} aria-label="Add members">
            <label>
              Agent ids to add
              <input
                value={newMembers}
                onChange={(e) => setNewMembers(e.target.value)}
                placeholder="sim-1, sim-2"
              />
            </label>
            <button type="submit">Add members</button>
          </form>
        )}
      </section>
      {editable && <GroupEditForm key={g.revision} group={g} onSaved={group.reload} />}
      <LayerEditor path={`${path}/configuration`} scope={`group:${g.id}`} title="Group configuration" />
    </>
  );
}
