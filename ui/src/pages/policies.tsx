// Security policies: the list, and a JSON editor to create one (the server
// validates the rules document and names each bad field).
import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'wouter';
import type { Page } from '../api/client';
import { Problem } from '../components/problem';
import { useLiveReload } from '../live/live-context';
import { formatTime } from '../lib/format';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';

export interface PolicySummary {
  id: string;
  name: string;
  description: string;
  mode: string;
  version: number;
  defaultAction: string;
  ruleCount: number;
  updatedAt: string;
  updatedBy: string;
}

const TEMPLATE = {
  name: 'new-policy',
  description: '',
  mode: 'monitor',
  defaultAction: 'allow',
  rules: [{ id: 'known-bad', match: { cidrs: ['203.0.113.0/24'] }, action: 'block' }],
};

export function PoliciesPage() {
  const { me, api } = useSession();
  const [, navigate] = useLocation();
  const policies = useApi(
    (a, signal) => a.get<Page<PolicySummary>>('/policies', { pageSize: 500 }, { signal }),
    [],
  );
  useLiveReload((e) => e.type.startsWith('policy_'), policies.reload, 750);
  const [text, setText] = useState(JSON.stringify(TEMPLATE, null, 2));
  const { problem, setProblem, attempt } = useAttempt();
  const create = async (event: FormEvent) => {
    event.preventDefault();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      setProblem(new Error('The policy is not valid JSON.'));
      return;
    }
    await attempt(async () => {
      const created = await api.post<{ id: string }>('/policies', body);
      navigate(`/policies/${encodeURIComponent(created.id)}`);
    });
  };
  return (
    <>
      <h1>Policies</h1>
      <Problem error={policies.error} title="Could not list policies" />
      <div className="table-wrap">
        <table aria-label="Policies">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Mode</th>
              <th scope="col">Version</th>
              <th scope="col">Rules</th>
              <th scope="col">Default</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {(policies.data?.items ?? []).map((p) => (
              <tr key={p.id}>
                <td>
                  <Link href={`/policies/${encodeURIComponent(p.id)}`}>{p.name}</Link>
                </td>
                <td>{p.mode}</td>
                <td>{p.version}</td>
                <td>{p.ruleCount}</td>
                <td>{p.defaultAction}</td>
                <td>
                  {formatTime(p.updatedAt)} <span className="muted">by {p.updatedBy}</span>
                </td>
              </tr>
            ))}
            {policies.data?.items.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No policy yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {can(me.role, 'editPolicies') && (
        <form className="stack" onSubmit={create} aria-label="New policy">
          <h2>New policy</h2>
          <label>
            Policy document (JSON) <span className="field-help">see docs/policies.md for the rules</span>
            <textarea value={text} onChange={(e) => setText(e.target.value)} rows={14} spellCheck={false} />
          </label>
          <Problem error={problem} title="The policy was not created" />
          <div className="actions">
            <button type="submit" className="primary">
              Create policy
            </button>
          </div>
        </form>
      )}
    </>
  );
}
