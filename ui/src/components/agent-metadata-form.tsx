// Changes an agent's name and labels (PATCH with If-Match on the revision
// shown, so a concurrent change is refused rather than overwritten).
import { useState, type FormEvent } from 'react';
import type { Agent } from '../api/types';
import { parseLabels } from '../lib/command-target';
import { labelsText } from '../lib/format';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';
import { Problem } from './problem';

export function AgentMetadataForm({ agent, onSaved }: { agent: Agent; onSaved: () => void }) {
  const { api } = useSession();
  const [name, setName] = useState(agent.name);
  const [labels, setLabels] = useState(labelsText(agent.labels));
  const { problem, setProblem, attempt } = useAttempt();
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseLabels(labels);
    if (!parsed) {
      setProblem(new Error('Labels must be key=value pairs separated by commas.'));
      return;
    }
    await attempt(async () => {
      await api.patch(
        `/agents/${encodeURIComponent(agent.id)}`,
        { name: name.trim(), labels: parsed },
        {
          headers: { 'if-match': `"${agent.revision}"` },
        },
      );
      onSaved();
    });
  };
  return (
    <form className="toolbar" onSubmit={save} aria-label="Edit agent">
      <label>
        Agent name
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Labels <span className="field-help">key=value, separated by commas</span>
        <input value={labels} onChange={(e) => setLabels(e.target.value)} size={40} />
      </label>
      <button type="submit">Save name and labels</button>
      <Problem error={problem} title="Not saved" />
    </form>
  );
}
