// Command types: the built-in ones and those operators registered
// (custom:<name>), each with its parameter schema; registering a new one with
// its JSON Schema (the server checks it against the subset it accepts and names
// what it refuses), editing (If-Match) and deleting a registered one.
import { useState, type FormEvent } from 'react';
import type { CommandType } from '../api/types';
import { CommandTypeEditForm } from '../components/command-type-edit-form';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Problem } from '../components/problem';
import { useLiveReload } from '../live/live-context';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';

const TEMPLATE = {
  type: 'object',
  properties: {
    target: { type: 'string', maxLength: 256 },
    depth: { type: 'integer', minimum: 1, maximum: 10 },
  },
  required: ['target'],
  additionalProperties: false,
};

export function CommandTypesPage() {
  const { me, api } = useSession();
  const types = useApi((a, signal) => a.get<{ items: CommandType[] }>('/command-types', {}, { signal }), []);
  useLiveReload((e) => e.type.startsWith('command_type_'), types.reload, 500);
  const [name, setName] = useState('custom:');
  const [description, setDescription] = useState('');
  const [schema, setSchema] = useState(JSON.stringify(TEMPLATE, null, 2));
  const { problem, setProblem, attempt } = useAttempt();
  const [deleting, setDeleting] = useState<string | undefined>(undefined);
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const editable = can(me.role, 'registerCommandType');
  const editType = types.data?.items.find((t) => t.name === editing && !t.builtIn);
  const register = async (event: FormEvent) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(schema);
    } catch {
      setProblem(new Error('The schema is not valid JSON.'));
      return;
    }
    await attempt(async () => {
      await api.post('/command-types', { name: name.trim(), description, schema: parsed });
      setName('custom:');
      types.reload();
    });
  };
  const remove = async (typeName: string) => {
    setDeleting(undefined);
    await attempt(
      async () => {
        await api.delete(`/command-types/${encodeURIComponent(typeName)}`);
        types.reload();
      },
      { keepProblem: true },
    );
  };
  return (
    <>
      <h1>Command types</h1>
      <Problem error={types.error ?? problem} />
      <div className="table-wrap">
        <table aria-label="Command types">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Parameters</th>
              {editable && <th scope="col">Change</th>}
            </tr>
          </thead>
          <tbody>
            {(types.data?.items ?? []).map((t) => (
              <tr key={t.name}>
                <td>
                  {t.name}
                  {t.emergency && <div className="muted">emergency only</div>}
                </td>
                <td>{t.description}</td>
                <td>
                  <code>{Object.keys(t.schema.properties ?? {}).join(', ') || 'none'}</code>
                </td>
                {editable && (
                  <td>
                    {!t.builtIn && (
                      <>
                        <button type="button" onClick={() => setEditing(t.name)}>
                          Edit {t.name}
                        </button>{' '}
                        <button type="button" onClick={() => setDeleting(t.name)}>
                          Delete {t.name}
                        </button>
                      </>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {editable && editType && (
        <CommandTypeEditForm
          key={`${editType.name}:${editType.revision}`}
          type={editType}
          onDone={(saved) => {
            setEditing(undefined);
            if (saved) types.reload();
          }}
        />
      )}
      {editable && (
        <form className="stack" onSubmit={register} aria-label="Register a command type">
          <h2>Register a command type</h2>
          <label>
            Type name <span className="field-help">custom:&lt;name&gt;</span>
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            Description
            <input value={description} onChange={(e) => setDescription(e.target.value)} />
          </label>
          <label>
            Parameter schema (JSON Schema)
            <textarea
              value={schema}
              onChange={(e) => setSchema(e.target.value)}
              rows={10}
              spellCheck={false}
            />
          </label>
          <div className="actions">
            <button type="submit" className="primary">
              Register type
            </button>
          </div>
        </form>
      )}
      <ConfirmDialog
        open={deleting !== undefined}
        title={`Delete ${deleting ?? ''}?`}
        confirmLabel="Delete"
        danger
        onConfirm={() => deleting && void remove(deleting)}
        onCancel={() => setDeleting(undefined)}
      >
        <p>Commands of this type already sent keep running; no new one can be sent.</p>
      </ConfirmDialog>
    </>
  );
}
