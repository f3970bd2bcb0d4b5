// Agent groups: the list, and creating a static or a dynamic (label selector) group.
import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import type { Page } from '../api/client';
import type { Group } from '../api/types';
import { Problem } from '../components/problem';
import { useLiveReload } from '../live/live-context';
import { parseLabels } from '../lib/command-target';
import { labelsText } from '../lib/format';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';

export function GroupsPage() {
  const { me, api } = useSession();
  const [, navigate] = useLocation();
  const groups = useApi((a, signal) => a.get<Page<Group>>('/groups', { pageSize: 500 }, { signal }), []);
  useLiveReload((e) => e.type.startsWith('group_'), groups.reload, 750);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'static' | 'dynamic'>('static');
  const [selector, setSelector] = useState('');
  const [priority, setPriority] = useState('0');
  const { problem, setProblem, attempt } = useAttempt();
  const create = async (event: FormEvent) => {
    event.preventDefault();
    const labels = kind === 'dynamic' ? parseLabels(selector) : undefined;
    if (kind === 'dynamic' && !labels) {
      setProblem(new Error('The selector must be key=value pairs separated by commas.'));
      return;
    }
    await attempt(async () => {
      const group = await api.post<Group>('/groups', {
        name: name.trim(),
        kind,
        priority: Number(priority),
        ...(labels ? { selector: labels } : {}),
      });
      navigate(`/groups/${encodeURIComponent(group.id)}`);
    });
  };
  return (
    <>
      <h1>Groups</h1>
      <Problem error={groups.error} title="Could not list groups" />
      <div className="table-wrap">
        <table aria-label="Groups">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Selector</th>
              <th scope="col">Priority</th>
            </tr>
          </thead>
          <tbody>
            {(groups.data?.items ?? []).map((g) => (
              <tr key={g.id}>
                <td>
                  <Link href={`/groups/${encodeURIComponent(g.id)}`}>{g.name}</Link>
                </td>
                <td>{g.kind}</td>
                <td>{g.selector ? labelsText(g.selector) : '–'}</td>
                <td>{g.priority}</td>
              </tr>
            ))}
            {groups.data?.items.length === 0 && (
              <tr>
                <td colSpan={4} className="muted">
                  No group yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {can(me.role, 'editGroups') && (
        <form className="stack" onSubmit={create} aria-label="New group">
          <h2>New group</h2>
          <label>
            Group name
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <div className="toolbar" role="radiogroup" aria-label="Group kind">
            <label className="inline">
              <input
                type="radio"
                name="kind"
                checked={kind === 'static'}
                onChange={() => setKind('static')}
              />{' '}
              Static (members added by hand)
            </label>
            <label className="inline">
              <input
                type="radio"
                name="kind"
                checked={kind === 'dynamic'}
                onChange={() => setKind('dynamic')}
              />{' '}
              Dynamic (agents with labels)
            </label>
          </div>
          {kind === 'dynamic' && (
            <label>
              Selector
              <input
                value={selector}
                onChange={(e) => setSelector(e.target.value)}
                placeholder="env=prod, zone=zone-1"
              />
            </label>
          )}
          <label>
            Priority{' '}
            <span className="field-help">-1000..1000; higher wins when an agent is in several groups</span>
            <input type="number" value={priority} onChange={(e) => setPriority(e.target.value)} />
          </label>
          <Problem error={problem} title="The group was not created" />
          <div className="actions">
            <button type="submit" className="primary">
              Create group
            </button>
          </div>
        </form>
      )}
    </>
  );
}
