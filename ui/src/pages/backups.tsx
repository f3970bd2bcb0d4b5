// Configuration backups: the list, making one (fleet, a group, an agent),
// downloading one as JSON, the diff between a backup and now, and a restore —
// of a stored backup or of a downloaded file sent back — that always shows its
// dry run first and needs a second, explicit step (admin); and the whole
// state's export and import (admin).
import { useState, type FormEvent } from 'react';
import type { Page } from '../api/client';
import { Changes, type Change } from '../components/changes';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Problem } from '../components/problem';
import { StateTransferSection } from '../components/state-transfer';
import { useLiveReload } from '../live/live-context';
import { downloadFile } from '../lib/download';
import { formatBytes, formatTime } from '../lib/format';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';

interface Backup {
  id: string;
  name: string;
  scope: string;
  createdAt: string;
  createdBy: string;
  checksum: string;
  size: number;
}

interface Diff {
  layers: { scope: string; backupRevision: number | null; currentRevision: number; changes: Change[] }[];
  unchangedLayers: number;
  assignments: {
    added: { policyName: string; targetKind: string; targetId: string }[];
    removed: { policyName: string; targetKind: string; targetId: string }[];
  };
  missing: { kind: string; id: string }[];
}

interface RestorePlan {
  dryRun: boolean;
  layers: { scope: string; fromRevision: number; revision?: number; changes: Change[] }[];
  unchangedLayers: number;
  assign: unknown[];
  unassign: unknown[];
  skipped: { kind: string; id: string }[];
}

/** What a restore restores: a backup the server keeps, or a downloaded one sent back (its text). */
type RestoreSource =
  | { readonly kind: 'stored'; readonly backup: Backup }
  | { readonly kind: 'file'; readonly name: string; readonly text: string };

const sourceName = (source: RestoreSource | undefined): string =>
  source === undefined ? '' : source.kind === 'stored' ? source.backup.name : source.name;

export function BackupsPage() {
  const { me, api } = useSession();
  const backups = useApi((a, signal) => a.get<Page<Backup>>('/backups', { pageSize: 100 }, { signal }), []);
  useLiveReload((e) => e.type.startsWith('backup_'), backups.reload, 500);
  const [name, setName] = useState('');
  const [scope, setScope] = useState('fleet');
  const { problem, attempt } = useAttempt();
  const [selected, setSelected] = useState<Backup | undefined>(undefined);
  const [diff, setDiff] = useState<Diff | undefined>(undefined);
  const [plan, setPlan] = useState<RestorePlan | undefined>(undefined);
  const [source, setSource] = useState<RestoreSource | undefined>(undefined);
  const [file, setFile] = useState<File | undefined>(undefined);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string | undefined>(undefined);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    await attempt(() => api.post('/backups', { name: name.trim(), scope: scope.trim() }));
    setName('');
    backups.reload();
  };
  const open = async (backup: Backup) => {
    setSelected(backup);
    setPlan(undefined);
    setDone(undefined);
    setDiff(await attempt(() => api.get<Diff>(`/backups/${encodeURIComponent(backup.id)}/diff`)));
  };
  const restoreRequest = (from: RestoreSource, dryRun: boolean) =>
    from.kind === 'stored'
      ? api.post<RestorePlan>(`/backups/${encodeURIComponent(from.backup.id)}/restore`, { dryRun })
      : api.post<RestorePlan>('/backups/restore', { document: from.text, dryRun });
  const dryRun = async (from: RestoreSource) => {
    setSource(from);
    setDone(undefined);
    setPlan(await attempt(() => restoreRequest(from, true)));
  };
  const dryRunFile = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    await dryRun({ kind: 'file', name: file.name, text: await file.text() });
  };
  const restore = async () => {
    setConfirming(false);
    if (!source) return;
    const result = await attempt(() => restoreRequest(source, false));
    if (result) {
      setPlan(undefined);
      setDone(`Restored ${sourceName(source)}: ${result.layers.length} layer(s) written as new revisions.`);
      if (source.kind === 'stored') {
        const { id } = source.backup;
        setDiff(await attempt(() => api.get<Diff>(`/backups/${encodeURIComponent(id)}/diff`)));
      }
    }
  };
  return (
    <>
      <h1>Backups</h1>
      <Problem error={backups.error ?? problem} />
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      <div className="table-wrap">
        <table aria-label="Backups">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Scope</th>
              <th scope="col">Created</th>
              <th scope="col">Size</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(backups.data?.items ?? []).map((b) => (
              <tr key={b.id}>
                <td>{b.name}</td>
                <td>{b.scope}</td>
                <td>
                  {formatTime(b.createdAt)} <span className="muted">by {b.createdBy}</span>
                </td>
                <td>{formatBytes(b.size)}</td>
                <td>
                  <button type="button" onClick={() => void open(b)}>
                    Compare {b.name} with now
                  </button>{' '}
                  <button
                    type="button"
                    onClick={() =>
                      void attempt(() =>
                        downloadFile(
                          api,
                          `/backups/${encodeURIComponent(b.id)}/download`,
                          {},
                          `corral-backup-${b.id}.json`,
                        ),
                      )
                    }
                  >
                    Download {b.name}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {can(me.role, 'createBackup') && (
        <form className="toolbar" onSubmit={create} aria-label="New backup">
          <label>
            Backup name
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            Scope <span className="field-help">fleet, group:&lt;id&gt; or agent:&lt;id&gt;</span>
            <input value={scope} onChange={(e) => setScope(e.target.value)} />
          </label>
          <button type="submit" className="primary">
            Create backup
          </button>
        </form>
      )}
      {selected && diff && (
        <section aria-labelledby="diff-title">
          <h2 id="diff-title">{selected.name} compared with now</h2>
          {diff.layers.length === 0 &&
          diff.assignments.added.length === 0 &&
          diff.assignments.removed.length === 0 ? (
            <p>Nothing changed since this backup ({diff.unchangedLayers} layer(s) the same).</p>
          ) : (
            diff.layers.map((l) => (
              <div key={l.scope}>
                <h3>
                  {l.scope}: backup r{l.backupRevision ?? 'none'}, now r{l.currentRevision}
                </h3>
                <Changes changes={l.changes} label={`Changes in ${l.scope} since the backup`} />
              </div>
            ))
          )}
          {diff.missing.length > 0 && (
            <p className="notice">Gone since: {diff.missing.map((m) => `${m.kind} ${m.id}`).join(', ')}</p>
          )}
          {can(me.role, 'restoreBackup') && (
            <div className="actions">
              <button type="button" onClick={() => void dryRun({ kind: 'stored', backup: selected })}>
                Restore: dry run
              </button>
            </div>
          )}
        </section>
      )}
      {can(me.role, 'restoreBackup') && (
        <form className="toolbar" aria-label="Restore from a file" onSubmit={(e) => void dryRunFile(e)}>
          <label>
            Downloaded backup file
            <input
              type="file"
              accept="application/json,.json"
              onChange={(e) => setFile(e.target.files?.[0] ?? undefined)}
            />
          </label>
          <button type="submit" disabled={!file}>
            Restore from file: dry run
          </button>
        </form>
      )}
      {plan && (
        <section aria-labelledby="plan-title">
          <h2 id="plan-title">What restoring {sourceName(source)} would do</h2>
          {plan.layers.map((l) => (
            <div key={l.scope}>
              <h3>
                {l.scope} (now r{l.fromRevision})
              </h3>
              <Changes changes={l.changes} label={`Restore changes in ${l.scope}`} />
            </div>
          ))}
          <p>
            {plan.unchangedLayers} layer(s) unchanged; {plan.assign.length} assignment(s) to add,{' '}
            {plan.unassign.length} to remove.
          </p>
          <div className="actions">
            <button type="button" className="danger" onClick={() => setConfirming(true)}>
              Restore for real
            </button>
          </div>
        </section>
      )}
      {can(me.role, 'transferState') && <StateTransferSection />}
      <ConfirmDialog
        open={confirming}
        title={`Restore ${sourceName(source)}?`}
        confirmLabel="Restore"
        danger
        onConfirm={() => void restore()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Layers are written as new revisions (nothing is lost: the current ones stay in the history) and
          pushed to agents.
        </p>
      </ConfirmDialog>
    </>
  );
}
