// Replaces a registered command type's description, parameter schema and
// example: PUT with If-Match on the revision shown, so a concurrent change is
// refused (412) rather than overwritten.
import { useState, type FormEvent } from 'react';
import type { CommandType } from '../api/types';
import { commandTypeReplacement } from '../lib/command-type-body';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';
import { Problem } from './problem';

const pretty = (value: unknown) => JSON.stringify(value, null, 2);

export function CommandTypeEditForm({
  type,
  onDone,
}: {
  type: CommandType;
  onDone: (saved: boolean) => void;
}) {
  const { api } = useSession();
  const [description, setDescription] = useState(type.description);
  const [schema, setSchema] = useState(pretty(type.schema));
  const [example, setExample] = useState(type.example ? pretty(type.example) : '');
  const { problem, setProblem, attempt } = useAttempt();
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const built = commandTypeReplacement(description, schema, example);
    if ('error' in built) {
      setProblem(new Error(built.error));
      return;
    }
    await attempt(async () => {
      await api.put(`/command-types/${encodeURIComponent(type.name)}`, built.body, {
        headers: { 'if-match': `"${type.revision ?? ''}"` },
      });
      onDone(true);
    });
  };
  return (
    <form className="stack" onSubmit={save} aria-label={`Edit ${type.name}`}>
      <h2>
        Edit {type.name} <span className="muted">(revision {type.revision})</span>
      </h2>
      <label>
        Description
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label>
        Parameter schema (JSON Schema)
        <textarea value={schema} onChange={(e) => setSchema(e.target.value)} rows={10} spellCheck={false} />
      </label>
      <label>
        Example parameters (JSON, optional)
        <textarea value={example} onChange={(e) => setExample(e.target.value)} rows={4} spellCheck={false} />
      </label>
      <Problem error={problem} title="Not saved" />
      <div className="actions">
        <button type="submit" className="primary">
          Save command type
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Close
        </button>
      </div>
    </form>
  );
}
