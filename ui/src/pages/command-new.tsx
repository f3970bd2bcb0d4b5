// Send a command: its type (the parameter form is generated from the type's
// schema), target (one agent, a bulk list, a group, a selector, a capability),
// priority and timeout. The server's messages are shown by field.
import { useMemo, useState, type FormEvent } from 'react';
import { useLocation, useSearch } from 'wouter';
import { ApiError, type Page } from '../api/client';
import type { Command, CommandType, Group } from '../api/types';
import { Problem } from '../components/problem';
import { SchemaFields } from '../components/schema-fields';
import { TargetPicker } from '../components/target-picker';
import { buildTarget, EMPTY_TARGET, type TargetForm } from '../lib/command-target';
import { can } from '../lib/roles';
import { buildParams, fieldsOf } from '../lib/schema-form';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';

export function NewCommandPage() {
  const { me, api } = useSession();
  const search = useSearch();
  const [, navigate] = useLocation();
  const presetAgent = new URLSearchParams(search).get('agent') ?? '';
  const choices = useApi(async (a, signal) => {
    const [types, groups] = await Promise.all([
      a.get<{ items: CommandType[] }>('/command-types', {}, { signal }),
      a.get<Page<Group>>('/groups', { pageSize: 500 }, { signal }),
    ]);
    return { types: types.items.filter((t) => !t.emergency), groups: groups.items };
  }, []);
  const [typeName, setTypeName] = useState('status');
  const [values, setValues] = useState<Record<string, string>>({});
  const [target, setTarget] = useState<TargetForm>({ ...EMPTY_TARGET, agentId: presetAgent });
  const [priority, setPriority] = useState('normal');
  const [timeoutSeconds, setTimeoutSeconds] = useState('');
  const { problem, setProblem } = useAttempt();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  // One key per form: a double submit or a retry after a lost answer sends one command.
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID());
  const type = choices.data?.types.find((t) => t.name === typeName);
  const fields = useMemo(() => (type ? fieldsOf(type.schema) : []), [type]);

  if (!can(me.role, 'sendCommand')) return <p>Your key ({me.role}) may not send commands.</p>;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    const built = buildParams(fields, values);
    const resolved = buildTarget(target);
    setFieldErrors(built.errors);
    if (Object.keys(built.errors).length > 0) return;
    if ('error' in resolved) {
      setProblem(new Error(`Target: ${resolved.error}`));
      return;
    }
    const timeout = timeoutSeconds.trim() === '' ? undefined : Number(timeoutSeconds);
    setBusy(true);
    try {
      const created = await api.post<{ command: Command; children: string[] }>(
        '/commands',
        {
          type: typeName,
          params: built.params,
          target: resolved.target,
          priority,
          ...(timeout ? { timeoutSeconds: timeout } : {}),
        },
        { headers: { 'idempotency-key': idempotencyKey } },
      );
      navigate(`/commands/${encodeURIComponent(created.command.id)}`);
    } catch (error) {
      if (error instanceof ApiError) {
        const byField: Record<string, string> = {};
        for (const f of error.errors)
          if (f.field.startsWith('params.')) byField[f.field.slice('params.'.length)] = f.description;
        setFieldErrors(byField);
        // A refused body may be corrected and sent again: that is a new request.
        if (error.status === 400 || error.status === 412) setIdempotencyKey(crypto.randomUUID());
      }
      setProblem(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>New command</h1>
      <Problem error={choices.error} title="Could not load command types" />
      <form className="stack" onSubmit={submit} aria-label="New command">
        <label>
          Command type
          <select
            value={typeName}
            onChange={(e) => {
              setTypeName(e.target.value);
              setValues({});
              setFieldErrors({});
            }}
          >
            {(choices.data?.types ?? []).map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
          {type?.description && <span className="field-help">{type.description}</span>}
        </label>
        <fieldset>
          <legend>Parameters</legend>
          <SchemaFields
            fields={fields}
            values={values}
            errors={fieldErrors}
            onChange={(name, value) => setValues((v) => ({ ...v, [name]: value }))}
          />
        </fieldset>
        <TargetPicker value={target} onChange={setTarget} groups={choices.data?.groups ?? []} />
        <div className="toolbar">
          <label>
            Priority
            <select value={priority} onChange={(e) => setPriority(e.target.value)}>
              <option>low</option>
              <option>normal</option>
              <option>high</option>
            </select>
          </label>
          <label>
            Timeout (seconds)
            <input
              type="number"
              min={1}
              value={timeoutSeconds}
              onChange={(e) => setTimeoutSeconds(e.target.value)}
              placeholder="3600"
            />
          </label>
        </div>
        <Problem error={problem} title="The command was not sent" />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || !type}>
            Send command
          </button>
        </div>
      </form>
    </>
  );
}
