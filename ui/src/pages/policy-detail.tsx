// One policy: edit it (a new immutable version, If-Match on the version shown),
// its versions, its assignments to groups and agents, assigning and deleting.
import { useEffect, useState, type FormEvent } from 'react';
import { useLocation, useParams } from 'wouter';
import type { Page } from '../api/client';
import type { Group } from '../api/types';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Problem } from '../components/problem';
import { formatTime } from '../lib/format';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';

interface Policy {
  id: string;
  name: string;
  description: string;
  mode: string;
  version: number;
  defaultAction: string;
  rules: unknown[];
}

interface Assignment {
  targetKind: string;
  targetId: string;
}

export function PolicyDetailPage() {
  const { id } = useParams<{ id: string }>();
  const path = `/policies/${encodeURIComponent(decodeURIComponent(id))}`;
  const { me, api } = useSession();
  const [, navigate] = useLocation();
  const policy = useApi((a, signal) => a.get<Policy>(path, {}, { signal }), [path]);
  const extra = useApi(
    async (a, signal) => {
      const [versions, assignments, groups] = await Promise.all([
        a.get<Page<{ version: number; author: string; createdAt: string; reason: string }>>(
          `${path}/versions`,
          {},
          { signal },
        ),
        a.get<Page<Assignment>>(`${path}/assignments`, {}, { signal }),
        a.get<Page<Group>>('/groups', { pageSize: 500 }, { signal }),
      ]);
      return { versions: versions.items, assignments: assignments.items, groups: groups.items };
    },
    [path],
  );
  const [text, setText] = useState('');
  const [groupId, setGroupId] = useState('');
  const [agentId, setAgentId] = useState('');
  const { problem, setProblem, attempt } = useAttempt();
  const [deleting, setDeleting] = useState(false);
  useEffect(() => {
    const p = policy.data;
    if (p)
      setText(
        JSON.stringify(
          {
            name: p.name,
            description: p.description,
            mode: p.mode,
            defaultAction: p.defaultAction,
            rules: p.rules,
          },
          null,
          2,
        ),
      );
  }, [policy.data]);
  const p = policy.data;
  if (policy.error && !p) return <Problem error={policy.error} title="Could not load the policy" />;
  if (!p) return <p className="muted">Loading…</p>;
  const editable = can(me.role, 'editPolicies');
  const act = (run: () => Promise<unknown>) =>
    attempt(async () => {
      await run();
      policy.reload();
      extra.reload();
    });
  const save = (event: FormEvent) => {
    event.preventDefault();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      setProblem(new Error('The policy is not valid JSON.'));
      return;
    }
    void act(() => api.put(path, body, { headers: { 'if-match': `"${p.version}"` } }));
  };
  return (
    <>
      <h1>
        Policy {p.name} <span className="muted">v{p.version}</span>
      </h1>
      <Problem error={problem} />
      <form className="stack" onSubmit={save} aria-label="Edit policy">
        <label>
          Policy document (JSON)
          <textarea
            value={text}
            onChange={(e) => setText(e.target.value)}
            rows={14}
            readOnly={!editable}
            spellCheck={false}
          />
        </label>
        {editable && (
          <div className="actions">
            <button type="submit" className="primary">
              Save as a new version
            </button>
            <button type="button" className="danger" onClick={() => setDeleting(true)}>
              Delete policy
            </button>
          </div>
        )}
      </form>
      <ConfirmDialog
        open={deleting}
        title={`Delete policy ${p.name}?`}
        confirmLabel="Delete policy"
        danger
        onCancel={() => setDeleting(false)}
        onConfirm={() => {
          setDeleting(false);
          void act(async () => {
            await api.delete(path);
            navigate('/policies');
          });
        }}
      />
      <section aria-labelledby="assignments-title">
        <h2 id="assignments-title">Assignments</h2>
        <ul className="plain">
          {(extra.data?.assignments ?? []).map((a) => (
            <li key={`${a.targetKind}:${a.targetId}`}>
              {a.targetKind} <code>{a.targetId}</code>{' '}
              {editable && (
                <button
                  type="button"
                  onClick={() =>
                    void act(() =>
                      api.delete(`${path}/assignments/${a.targetKind}s/${encodeURIComponent(a.targetId)}`),
                    )
                  }
                >
                  Unassign
                </button>
              )}
            </li>
          ))}
          {extra.data?.assignments.length === 0 && <li className="muted">Not assigned.</li>}
        </ul>
        {editable && (
          <form
            className="toolbar"
            aria-label="Assign to a group"
            onSubmit={(e) => {
              e.preventDefault();
              if (groupId) void act(() => api.post(`${path}/assignments`, { groupIds: [groupId] }));
            }}
          >
            <label>
              Group
              <select value={groupId} onChange={(e) => setGroupId(e.target.value)}>
                <option value="">choose…</option>
                {extra.data?.groups.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Assign to group</button>
          </form>
        )}
        {editable && (
          <form
            className="toolbar"
            aria-label="Assign to an agent"
            onSubmit={(e) => {
              e.preventDefault();
              const id = agentId.trim();
              if (id)
                void act(async () => {
                  await api.post(`${path}/assignments`, { agentIds: [id] });
                  setAgentId('');
                });
            }}
          >
            <label>
              Agent id
              <input value={agentId} onChange={(e) => setAgentId(e.target.value)} placeholder="sim-1" />
            </label>
            <button type="submit">Assign to agent</button>
          </form>
        )}
      </section>
      <section aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        <ol className="plain">
          {(extra.data?.versions ?? []).map((v) => (
            <li key={v.version}>
              v{v.version} {formatTime(v.createdAt)} by {v.author} {v.reason && `— ${v.reason}`}
            </li>
          ))}
        </ol>
      </section>
    </>
  );
}
