// Who and what may connect: enrollment secrets (operators create them to
// enroll agents; the secret is shown once), and admin API keys (admins; the key
// is shown once). Both can be revoked.
import { useState, type FormEvent } from 'react';
import type { Page } from '../api/client';
import type { Group, Role } from '../api/types';
import { Badge } from '../components/badges';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Problem } from '../components/problem';
import { formatTime } from '../lib/format';
import { can, roleAllows } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useSession } from '../session';

interface Secret {
  id: string;
  name: string;
  hint: string;
  groupId: string | null;
  maxUses: number | null;
  uses: number;
  expiresAt: string | null;
  createdAt: string;
  state: string;
}

interface ApiKey {
  id: string;
  name: string;
  role: Role;
  hint: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  state: string;
}

export function AccessPage() {
  const { me } = useSession();
  return (
    <>
      <h1>Access</h1>
      <EnrollmentSecrets />
      {roleAllows(me.role, 'admin') && <ApiKeys />}
    </>
  );
}

/** A value shown once, with the reason it is shown. */
function ShownOnce({ what, value }: { what: string; value: string }) {
  return (
    <div role="status" className="success">
      <p>
        The new {what} is shown only now; store it: <code>{value}</code>
      </p>
    </div>
  );
}

function EnrollmentSecrets() {
  const { me, api } = useSession();
  const secrets = useApi(
    (a, signal) => a.get<Page<Secret>>('/enrollment-secrets', { pageSize: 200 }, { signal }),
    [],
  );
  const groups = useApi((a, signal) => a.get<Page<Group>>('/groups', { pageSize: 500 }, { signal }), []);
  const [name, setName] = useState('');
  const [maxUses, setMaxUses] = useState('');
  const [groupId, setGroupId] = useState('');
  const [created, setCreated] = useState<string | undefined>(undefined);
  const [revoking, setRevoking] = useState<Secret | undefined>(undefined);
  const { problem, attempt } = useAttempt();
  const editable = can(me.role, 'manageEnrollment');
  const create = async (event: FormEvent) => {
    event.preventDefault();
    await attempt(async () => {
      const body = {
        name: name.trim(),
        ...(maxUses ? { maxUses: Number(maxUses) } : {}),
        ...(groupId ? { groupId } : {}),
      };
      const result = await api.post<{ secret: string }>('/enrollment-secrets', body);
      setCreated(result.secret);
      setName('');
      secrets.reload();
    });
  };
  const revoke = async (secret: Secret) => {
    setRevoking(undefined);
    await attempt(
      async () => {
        await api.delete(`/enrollment-secrets/${encodeURIComponent(secret.id)}`);
        secrets.reload();
      },
      { keepProblem: true },
    );
  };
  return (
    <section aria-labelledby="secrets-title">
      <h2 id="secrets-title">Enrollment secrets</h2>
      <Problem error={secrets.error ?? problem} />
      {created && <ShownOnce what="enrollment secret" value={created} />}
      <div className="table-wrap">
        <table aria-label="Enrollment secrets">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts with</th>
              <th scope="col">Uses</th>
              <th scope="col">Group</th>
              <th scope="col">Created</th>
              <th scope="col">State</th>
              {editable && <th scope="col">Revoke</th>}
            </tr>
          </thead>
          <tbody>
            {(secrets.data?.items ?? []).map((s) => (
              <tr key={s.id}>
                <td>{s.name}</td>
                <td>
                  <code>{s.hint}</code>
                </td>
                <td>
                  {s.uses}
                  {s.maxUses !== null && ` of ${s.maxUses}`}
                </td>
                <td>{s.groupId ?? '–'}</td>
                <td>{formatTime(s.createdAt)}</td>
                <td>
                  <Badge value={s.state} />
                </td>
                {editable && (
                  <td>
                    {s.state === 'active' && (
                      <button type="button" onClick={() => setRevoking(s)}>
                        Revoke {s.name}
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {editable && (
        <form className="toolbar" onSubmit={create} aria-label="New enrollment secret">
          <label>
            Secret name
            <input value={name} onChange={(e) => setName(e.target.value)} required />
          </label>
          <label>
            Most uses
            <input
              type="number"
              min={1}
              value={maxUses}
              onChange={(e) => setMaxUses(e.target.value)}
              placeholder="unlimited"
            />
          </label>
          <label>
            Enroll into group
            <select value={groupId} onChange={(e) => setGroupId(e.target.value)}>
              <option value="">none</option>
              {groups.data?.items
                .filter((g) => g.kind === 'static')
                .map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
            </select>
          </label>
          <button type="submit" className="primary">
            Create secret
          </button>
        </form>
      )}
      <ConfirmDialog
        open={revoking !== undefined}
        title={`Revoke ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke"
        danger
        onConfirm={() => revoking && void revoke(revoking)}
        onCancel={() => setRevoking(undefined)}
      >
        <p>No agent can enroll with it any more; agents already enrolled keep their own credentials.</p>
      </ConfirmDialog>
    </section>
  );
}

function ApiKeys() {
  const { api, me } = useSession();
  const keys = useApi((a, signal) => a.get<Page<ApiKey>>('/api-keys', { pageSize: 200 }, { signal }), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [created, setCreated] = useState<string | undefined>(undefined);
  const [revoking, setRevoking] = useState<ApiKey | undefined>(undefined);
  const { problem, attempt } = useAttempt();
  const create = async (event: FormEvent) => {
    event.preventDefault();
    await attempt(async () => {
      const result = await api.post<{ key: string }>('/api-keys', { name: name.trim(), role });
      setCreated(result.key);
      setName('');
      keys.reload();
    });
  };
  const revoke = async (key: ApiKey) => {
    setRevoking(undefined);
    await attempt(
      async () => {
        await api.delete(`/api-keys/${encodeURIComponent(key.id)}`);
        keys.reload();
      },
      { keepProblem: true },
    );
  };
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <Problem error={keys.error ?? problem} />
      {created && <ShownOnce what="API key" value={created} />}
      <div className="table-wrap">
        <table aria-label="API keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Starts with</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col">Revoke</th>
            </tr>
          </thead>
          <tbody>
            {(keys.data?.items ?? []).map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>{k.role}</td>
                <td>
                  <code>{k.hint}</code>
                </td>
                <td>{formatTime(k.lastUsedAt)}</td>
                <td>
                  <Badge value={k.state} />
                </td>
                <td>
                  {k.state === 'active' && `api_key:${k.id}` !== me.actor && (
                    <button type="button" onClick={() => setRevoking(k)}>
                      Revoke {k.name}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form className="toolbar" onSubmit={create} aria-label="New API key">
        <label>
          Key name
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option>viewer</option>
            <option>operator</option>
            <option>admin</option>
          </select>
        </label>
        <button type="submit" className="primary">
          Create key
        </button>
      </form>
      <ConfirmDialog
        open={revoking !== undefined}
        title={`Revoke ${revoking?.name ?? ''}?`}
        confirmLabel="Revoke"
        danger
        onConfirm={() => revoking && void revoke(revoking)}
        onCancel={() => setRevoking(undefined)}
      >
        <p>Requests and live connections with this key are refused from now on.</p>
      </ConfirmDialog>
    </section>
  );
}
