// Disaster recovery (admin): download the whole configuration state as a
// corral.state document, and import one into an empty instance from a file,
// after a confirmation. The server checks the document (checksum, format,
// schema) and refuses an instance that already holds state.
import { useState, type FormEvent } from 'react';
import { downloadFile } from '../lib/download';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';
import { ConfirmDialog } from './confirm-dialog';
import { Problem } from './problem';

interface ImportResult {
  exportId: string;
  imported: Record<string, number>;
  placeholderAgents: string[];
}

export function StateTransferSection() {
  const { api } = useSession();
  const [history, setHistory] = useState(false);
  const [file, setFile] = useState<File | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  const { problem, attempt } = useAttempt();
  const [done, setDone] = useState<string | undefined>(undefined);
  const run = (work: () => Promise<string>) =>
    attempt(async () => {
      setDone(undefined);
      setDone(await work());
    });
  const exportState = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const name = await downloadFile(api, '/state/export', { history }, 'corral-state.json');
      return `Downloaded ${name}.`;
    });
  };
  const importState = () => {
    setConfirming(false);
    if (!file) return;
    void run(async () => {
      let stateDocument: unknown;
      try {
        stateDocument = JSON.parse(await file.text());
      } catch {
        throw new Error(`${file.name} is not a JSON document.`);
      }
      const result = await api.post<ImportResult>('/state/import', stateDocument);
      const counts = Object.entries(result.imported)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ');
      const placeholders = result.placeholderAgents.length
        ? `; ${result.placeholderAgents.length} agent(s) not seen yet recorded until they enroll`
        : '';
      return `Imported export ${result.exportId}: ${counts}${placeholders}.`;
    });
  };
  return (
    <section aria-labelledby="state-title">
      <h2 id="state-title">Whole state (disaster recovery)</h2>
      <form className="toolbar" onSubmit={exportState} aria-label="Export state">
        <label className="inline">
          <input type="checkbox" checked={history} onChange={(e) => setHistory(e.target.checked)} /> With
          every configuration revision
        </label>
        <button type="submit">Download state export</button>
      </form>
      <form
        className="toolbar"
        aria-label="Import state"
        onSubmit={(e) => {
          e.preventDefault();
          if (file) setConfirming(true);
        }}
      >
        <label>
          State export file
          <input
            type="file"
            accept="application/json,.json"
            onChange={(e) => setFile(e.target.files?.[0] ?? undefined)}
          />
        </label>
        <button type="submit" className="danger" disabled={!file}>
          Import state
        </button>
      </form>
      <Problem error={problem} title="Not done" />
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      <ConfirmDialog
        open={confirming}
        title={`Import ${file?.name ?? ''}?`}
        confirmLabel="Import"
        danger
        onConfirm={importState}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Groups, policies, assignments, configuration layers and command types are written with the ids they
          had. Only an instance that holds none of them accepts an import.
        </p>
      </ConfirmDialog>
    </section>
  );
}
