// Chooses what a command goes to: one agent, several (a bulk send), a group,
// a label selector, or N agents with a capability (or the subset a caller offers).
import type { Group } from '../api/types';
import { TARGET_KINDS, type TargetForm, type TargetKind } from '../lib/command-target';

const KIND_LABELS: Record<TargetKind, string> = {
  agent: 'One agent',
  agents: 'Several agents (bulk)',
  group: 'A group',
  selector: 'Agents with labels',
  capability: 'Agents with a capability',
};

export function TargetPicker({
  value,
  onChange,
  groups,
  kinds = TARGET_KINDS,
}: {
  value: TargetForm;
  onChange: (v: TargetForm) => void;
  groups: readonly Group[];
  /** The kinds offered (all by default); a configuration change takes agents, a group or labels. */
  kinds?: readonly TargetKind[];
}) {
  const set = (patch: Partial<TargetForm>) => onChange({ ...value, ...patch });
  return (
    <fieldset>
      <legend>Target</legend>
      <div role="radiogroup" aria-label="Target kind" className="toolbar">
        {kinds.map((kind) => (
          <label key={kind} className="inline">
            <input
              type="radio"
              name="target-kind"
              value={kind}
              checked={value.kind === kind}
              onChange={() => set({ kind })}
            />
            {KIND_LABELS[kind]}
          </label>
        ))}
      </div>
      {value.kind === 'agent' && (
        <label>
          Agent id
          <input value={value.agentId} onChange={(e) => set({ agentId: e.target.value })} />
        </label>
      )}
      {value.kind === 'agents' && (
        <label>
          Agent ids <span className="field-help">one per line or separated by commas</span>
          <textarea value={value.agentIds} onChange={(e) => set({ agentIds: e.target.value })} rows={5} />
        </label>
      )}
      {value.kind === 'group' && (
        <label>
          Group
          <select value={value.groupId} onChange={(e) => set({ groupId: e.target.value })}>
            <option value="">choose…</option>
            {groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {value.kind === 'selector' && (
        <label>
          Labels <span className="field-help">key=value, separated by commas; every pair must match</span>
          <input value={value.labels} onChange={(e) => set({ labels: e.target.value })} />
        </label>
      )}
      {value.kind === 'capability' && (
        <div className="toolbar">
          <label>
            Capability
            <input value={value.capability} onChange={(e) => set({ capability: e.target.value })} />
          </label>
          <label>
            How many agents
            <input
              type="number"
              min={1}
              value={value.count}
              onChange={(e) => set({ count: e.target.value })}
            />
          </label>
        </div>
      )}
    </fieldset>
  );
}
