// A list of document changes (path: from → to), as configuration revisions,
// backup diffs and restore plans show them.
export interface Change {
  readonly path: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

export function Changes({ changes, label }: { changes: readonly Change[]; label: string }) {
  if (changes.length === 0) return <p className="muted">No change.</p>;
  return (
    <ul aria-label={label}>
      {changes.map((c) => (
        <li key={c.path}>
          <code>{c.path}</code>:{' '}
          <span className="diff-remove">{c.from === undefined ? 'unset' : JSON.stringify(c.from)}</span> →{' '}
          <span className="diff-add">{c.to === undefined ? 'unset' : JSON.stringify(c.to)}</span>
        </li>
      ))}
    </ul>
  );
}
