// Edits one configuration layer (fleet, a group or an agent) as JSON: saved
// with If-Match on the revision shown (a concurrent edit is refused, not
// overwritten), with the server's validation messages by field, and the
// layer's revision history with each revision's diff.
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { Problem } from './problem';
import { formatTime } from '../lib/format';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';
import { useLiveReload } from '../live/live-context';

interface Layer {
  scope: string;
  document: Record<string, unknown>;
  revision: number;
  revisionId: string | null;
  updatedAt: string | null;
  updatedBy: string | null;
}

interface Revision {
  id: string;
  revision: number;
  diff: { path: string; from?: unknown; to?: unknown }[];
  author: string;
  reason: string;
  createdAt: string;
}

export function LayerEditor({ path, scope, title }: { path: string; scope: string; title: string }) {
  const { me, api } = useSession();
  const layer = useApi((a, signal) => a.get<Layer>(path, {}, { signal }), [path]);
  const revisions = useApi(
    (a, signal) =>
      a.get<{ items: Revision[] }>('/configuration/revisions', { scope, pageSize: 20 }, { signal }),
    [scope],
  );
  useLiveReload((e) => e.type === 'config_updated', revisions.reload, 500);
  const [text, setText] = useState('');
  const [reason, setReason] = useState('');
  const { problem, setProblem } = useAttempt();
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const editable = can(me.role, 'editConfiguration');
  useEffect(() => {
    if (layer.data) setText(JSON.stringify(layer.data.document, null, 2));
  }, [layer.data]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    setSaved(undefined);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      setProblem(new Error('The configuration is not valid JSON.'));
      return;
    }
    try {
      const updated = await api.put<Layer>(
        path,
        { document, ...(reason.trim() ? { reason: reason.trim() } : {}) },
        {
          headers: { 'if-match': `"${layer.data?.revision ?? 0}"` },
        },
      );
      setSaved(`Saved as revision ${updated.revision}; connected agents get it now.`);
      setReason('');
      layer.reload();
      revisions.reload();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) layer.reload();
      setProblem(error);
    }
  };

  return (
    <section aria-labelledby={`${scope}-layer`}>
      <h2 id={`${scope}-layer`}>{title}</h2>
      <Problem error={layer.error} title="Could not load the configuration" />
      {layer.data && (
        <p className="muted">
          Revision {layer.data.revision}
          {layer.data.updatedAt && `, by ${layer.data.updatedBy} at ${formatTime(layer.data.updatedAt)}`}.
          Fields left out are inherited.
        </p>
      )}
      <form className="stack" onSubmit={save} aria-label={title}>
        <label>
          Layer document (JSON)
          <textarea
            value={text}
            onChange={(e) => setText(e.target.value)}
            readOnly={!editable}
            rows={10}
            spellCheck={false}
          />
        </label>
        {editable && (
          <>
            <label>
              Reason
              <input
                value={reason}
                onChange={(e) => setReason(e.target.value)}
                placeholder="why this change"
              />
            </label>
            <div className="actions">
              <button type="submit" className="primary">
                Save configuration
              </button>
            </div>
          </>
        )}
      </form>
      <Problem error={problem} title="The configuration was not saved" />
      {saved && (
        <p role="status" className="success">
          {saved}
        </p>
      )}
      <h3>Revisions</h3>
      {revisions.data?.items.length ? (
        <ol className="plain" aria-label={`Revisions of ${title}`}>
          {revisions.data.items.map((r) => (
            <li key={r.id}>
              <strong>r{r.revision}</strong> {formatTime(r.createdAt)} by {r.author}
              {r.reason && <> — {r.reason}</>}
              <ul>
                {r.diff.map((change) => (
                  <li key={change.path}>
                    <code>{change.path}</code>:{' '}
                    <span className="diff-remove">{JSON.stringify(change.from) ?? 'unset'}</span> →{' '}
                    <span className="diff-add">{JSON.stringify(change.to) ?? 'unset'}</span>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">No revision yet.</p>
      )}
    </section>
  );
}
