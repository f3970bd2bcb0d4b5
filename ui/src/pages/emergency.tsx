// Emergency controls (admin): shut down, restart or isolate the whole fleet, a
// group or the agents matching labels, ahead of every queue and through
// maintenance mode. A confirmation step asks for the action to be typed, which
// the API checks too.
import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import type { Page } from '../api/client';
import type { Command, Group } from '../api/types';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Problem } from '../components/problem';
import { parseLabels } from '../lib/command-target';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';

const ACTIONS = ['shutdown', 'restart', 'isolate'] as const;

export function EmergencyPage() {
  const { me, api } = useSession();
  const [, navigate] = useLocation();
  const groups = useApi((a, signal) => a.get<Page<Group>>('/groups', { pageSize: 500 }, { signal }), []);
  const [action, setAction] = useState<(typeof ACTIONS)[number]>('isolate');
  const [scopeKind, setScopeKind] = useState<'fleet' | 'group' | 'selector'>('group');
  const [groupId, setGroupId] = useState('');
  const [labels, setLabels] = useState('');
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const { problem, setProblem, attempt } = useAttempt();
  if (!can(me.role, 'emergency')) return <p>Emergency controls need an admin key; yours is {me.role}.</p>;

  const scope = () => {
    if (scopeKind === 'fleet') return { kind: 'fleet' };
    if (scopeKind === 'group') return { kind: 'group', groupId };
    return { kind: 'selector', labels: parseLabels(labels) ?? {} };
  };
  const review = (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    setConfirming(true);
  };
  const send = async () => {
    setConfirming(false);
    await attempt(async () => {
      const created = await api.post<{ command: Command }>('/commands/emergency', {
        action,
        scope: scope(),
        confirm: action,
        reason,
      });
      navigate(`/commands/${encodeURIComponent(created.command.id)}`);
    });
  };
  const scopeText =
    scopeKind === 'fleet'
      ? 'the whole fleet'
      : scopeKind === 'group'
        ? `group ${groups.data?.items.find((g) => g.id === groupId)?.name ?? groupId}`
        : `agents with ${labels}`;
  return (
    <>
      <h1>Emergency controls</h1>
      <p className="notice">These commands go ahead of every queue and through maintenance mode.</p>
      <form className="stack" onSubmit={review} aria-label="Emergency command">
        <label>
          Action
          <select value={action} onChange={(e) => setAction(e.target.value as (typeof ACTIONS)[number])}>
            {ACTIONS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Scope</legend>
          <div className="toolbar" role="radiogroup" aria-label="Scope">
            {(['fleet', 'group', 'selector'] as const).map((kind) => (
              <label key={kind} className="inline">
                <input
                  type="radio"
                  name="scope"
                  checked={scopeKind === kind}
                  onChange={() => setScopeKind(kind)}
                />
                {kind === 'fleet' ? 'Whole fleet' : kind === 'group' ? 'A group' : 'Agents with labels'}
              </label>
            ))}
          </div>
          {scopeKind === 'group' && (
            <label>
              Group
              <select value={groupId} onChange={(e) => setGroupId(e.target.value)}>
                <option value="">choose…</option>
                {groups.data?.items.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          {scopeKind === 'selector' && (
            <label>
              Labels
              <input value={labels} onChange={(e) => setLabels(e.target.value)} placeholder="env=prod" />
            </label>
          )}
        </fieldset>
        <label>
          Reason
          <input value={reason} onChange={(e) => setReason(e.target.value)} required />
        </label>
        <Problem error={problem} title="The emergency command was not sent" />
        <div className="actions">
          <button type="submit" className="danger">
            Review and send
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={confirming}
        title={`${action} ${scopeText}?`}
        confirmLabel={`Send ${action}`}
        typeToConfirm={action}
        danger
        onConfirm={() => void send()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Every agent in scope gets <strong>{action}</strong> at emergency priority. Reason: {reason}
        </p>
      </ConfirmDialog>
    </>
  );
}
