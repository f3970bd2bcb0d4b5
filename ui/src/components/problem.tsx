// Shows an error from the admin API: its message and, when the server named
// fields, each field's message.
import { ApiError } from '../api/client';

export function Problem({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const fields = error instanceof ApiError ? error.errors : [];
  return (
    <div role="alert" className="problem">
      <strong>{title ?? 'The server refused this'}:</strong> {message}
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={`${f.field}:${f.description}`}>
              <code>{f.field}</code> {f.description}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
