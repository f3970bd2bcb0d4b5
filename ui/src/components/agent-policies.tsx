// An agent's policies: the effective set (its own and its groups'), the ones
// assigned to the agent itself with Unassign, and assigning another one
// (POST /policies/{id}/assignments with this agent's id).
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import type { Page } from '../api/client';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import type { PolicySummary } from '../pages/policies';
import { useSession } from '../session';
import { Problem } from './problem';

export interface AgentPolicies {
  direct: { policyId: string; name: string; version: number; mode: string }[];
  effective: {
    digest: string;
    policies: {
      policyId: string;
      name: string;
      version: number;
      mode: string;
      ruleCount: number;
      via: { kind: string; id: string }[];
    }[];
  };
}

export function AgentPoliciesSection({
  agentId,
  policies,
  onChanged,
}: {
  agentId: string;
  policies: AgentPolicies | undefined;
  onChanged: () => void;
}) {
  const { me, api } = useSession();
  const editable = can(me.role, 'editPolicies');
  const all = useApi(
    (a, signal) =>
      editable
        ? a.get<Page<PolicySummary>>('/policies', { pageSize: 500 }, { signal })
        : Promise.resolve({ items: [] }),
    [editable],
  );
  const [policyId, setPolicyId] = useState('');
  const { problem, attempt } = useAttempt();
  if (!policies) return null;
  const act = (run: () => Promise<unknown>) =>
    attempt(async () => {
      await run();
      onChanged();
    });
  const assign = (event: FormEvent) => {
    event.preventDefault();
    if (!policyId) return;
    void act(async () => {
      await api.post(`/policies/${encodeURIComponent(policyId)}/assignments`, { agentIds: [agentId] });
      setPolicyId('');
    });
  };
  const direct = new Set(policies.direct.map((d) => d.policyId));
  return (
    <section aria-labelledby="policies-title">
      <h2 id="policies-title">Policies</h2>
      {policies.effective.policies.length === 0 ? (
        <p className="muted">No policy applies.</p>
      ) : (
        <ul className="plain" aria-label="Effective policies">
          {policies.effective.policies.map((p) => (
            <li key={p.policyId}>
              <Link href={`/policies/${encodeURIComponent(p.policyId)}`}>{p.name}</Link> v{p.version} (
              {p.mode}, {p.ruleCount} rules) via {p.via.map((v) => `${v.kind} ${v.id}`).join(', ')}
            </li>
          ))}
        </ul>
      )}
      <h3>Assigned to this agent</h3>
      <ul className="plain" aria-label="Policies assigned to this agent">
        {policies.direct.map((p) => (
          <li key={p.policyId}>
            <Link href={`/policies/${encodeURIComponent(p.policyId)}`}>{p.name}</Link> v{p.version}{' '}
            {editable && (
              <button
                type="button"
                onClick={() =>
                  void act(() =>
                    api.delete(
                      `/policies/${encodeURIComponent(p.policyId)}/assignments/agents/${encodeURIComponent(agentId)}`,
                    ),
                  )
                }
              >
                Unassign {p.name}
              </button>
            )}
          </li>
        ))}
        {policies.direct.length === 0 && <li className="muted">None (only its groups' policies apply).</li>}
      </ul>
      {editable && (
        <form className="toolbar" aria-label="Assign a policy" onSubmit={assign}>
          <label>
            Policy
            <select value={policyId} onChange={(e) => setPolicyId(e.target.value)}>
              <option value="">choose…</option>
              {(all.data?.items ?? [])
                .filter((p) => !direct.has(p.id))
                .map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
            </select>
          </label>
          <button type="submit">Assign policy</button>
        </form>
      )}
      <Problem error={problem ?? all.error} />
    </section>
  );
}
