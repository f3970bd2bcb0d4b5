// Merges one change into the own layer of many agents at once (agent ids, a
// group or a label selector) and lists each agent's new revision.
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import type { Page } from '../api/client';
import type { Group } from '../api/types';
import {
  BULK_CONFIGURATION_KINDS,
  bulkConfigurationBody,
  type BulkConfigurationResult,
} from '../lib/bulk-configuration';
import { EMPTY_TARGET, type TargetForm } from '../lib/command-target';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';
import { Problem } from './problem';
import { TargetPicker } from './target-picker';

export function BulkConfigurationForm() {
  const { api } = useSession();
  const groups = useApi((a, signal) => a.get<Page<Group>>('/groups', { pageSize: 500 }, { signal }), []);
  const [target, setTarget] = useState<TargetForm>({ ...EMPTY_TARGET, kind: 'agents' });
  const [patch, setPatch] = useState('{\n  \n}');
  const [reason, setReason] = useState('');
  const { problem, setProblem, attempt } = useAttempt();
  const [results, setResults] = useState<BulkConfigurationResult[] | undefined>(undefined);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setResults(undefined);
    const built = bulkConfigurationBody(target, patch, reason);
    if ('error' in built) {
      setProblem(new Error(built.error));
      return;
    }
    await attempt(async () => {
      const answer = await api.post<{ results: BulkConfigurationResult[] }>(
        '/configuration/bulk',
        built.body,
      );
      setResults(answer.results);
    });
  };
  return (
    <section aria-labelledby="bulk-title">
      <h2 id="bulk-title">Change many agents</h2>
      <p className="muted">
        The change is merged into each agent&apos;s own layer, in one transaction: every agent gets a new
        revision, or none does.
      </p>
      <form className="stack" onSubmit={submit} aria-label="Bulk configuration change">
        <TargetPicker
          value={target}
          onChange={setTarget}
          groups={groups.data?.items ?? []}
          kinds={BULK_CONFIGURATION_KINDS}
        />
        <label>
          Change (JSON object merged into each agent&apos;s layer)
          <textarea value={patch} onChange={(e) => setPatch(e.target.value)} rows={6} spellCheck={false} />
        </label>
        <label>
          Reason
          <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why this change" />
        </label>
        <Problem error={problem} title="No agent was changed" />
        <div className="actions">
          <button type="submit" className="primary">
            Apply to agents
          </button>
        </div>
      </form>
      {results && (
        <div className="table-wrap">
          <table aria-label="Bulk change results">
            <caption>
              {results.length} {results.length === 1 ? 'agent' : 'agents'} changed
            </caption>
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">New revision</th>
                <th scope="col">Revision id</th>
              </tr>
            </thead>
            <tbody>
              {results.map((r) => (
                <tr key={r.agentId}>
                  <td>
                    <Link href={`/agents/${encodeURIComponent(r.agentId)}`}>{r.agentId}</Link>
                  </td>
                  <td>{r.revision}</td>
                  <td>
                    <code>{r.revisionId}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
