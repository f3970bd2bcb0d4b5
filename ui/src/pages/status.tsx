// System status: this instance and the live ones, backends, versions, the
// fleet in numbers, and maintenance mode (admin), which holds non-emergency
// commands while on.
import { useState } from 'react';
import type { SystemStatus } from '../api/types';
import { Badge } from '../components/badges';
import { ConfirmDialog } from '../components/confirm-dialog';
import { Problem } from '../components/problem';
import { formatDuration, formatTime } from '../lib/format';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useAttempt } from '../lib/use-attempt';
import { useInterval } from '../lib/use-interval';
import { useSession } from '../session';

export function StatusPage() {
  const { me, api } = useSession();
  const status = useApi((a, signal) => a.get<SystemStatus>('/status', {}, { signal }), []);
  useInterval(status.reload, 10_000);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const { problem, attempt } = useAttempt();
  const s = status.data;
  const toggle = async () => {
    setConfirming(false);
    await attempt(async () => {
      const enabled = !s?.maintenanceMode;
      await api.request('POST', '/api/admin/maintenance', {
        body: { enabled, ...(enabled && reason.trim() ? { reason: reason.trim() } : {}) },
      });
      setReason('');
      status.reload();
    });
  };
  return (
    <>
      <h1>System status</h1>
      <Problem error={status.error ?? problem} />
      {s && (
        <>
          <section className="card" aria-labelledby="maintenance-title">
            <h2 id="maintenance-title">Maintenance mode</h2>
            <p role="status">
              Maintenance mode is <strong>{s.maintenanceMode ? 'on' : 'off'}</strong>
              {s.maintenanceMode ? ': commands other than emergencies are held.' : '.'}
            </p>
            {can(me.role, 'maintenance') && (
              <div className="toolbar">
                {!s.maintenanceMode && (
                  <label>
                    Reason
                    <input value={reason} onChange={(e) => setReason(e.target.value)} />
                  </label>
                )}
                <button
                  type="button"
                  className={s.maintenanceMode ? 'primary' : 'danger'}
                  onClick={() => setConfirming(true)}
                >
                  {s.maintenanceMode ? 'Turn maintenance mode off' : 'Turn maintenance mode on'}
                </button>
              </div>
            )}
          </section>
          <div className="two-col">
            <section className="card" aria-labelledby="instance-title">
              <h2 id="instance-title">This instance</h2>
              <dl className="facts">
                <dt>Version</dt>
                <dd>{s.version}</dd>
                <dt>Instance</dt>
                <dd>
                  <code>{s.instanceId}</code>
                </dd>
                <dt>Up</dt>
                <dd>
                  {formatDuration(s.uptimeSeconds)} (since {formatTime(s.startedAt)})
                </dd>
                <dt>Store</dt>
                <dd>{s.backends.store}</dd>
                <dt>Cache</dt>
                <dd>{s.backends.cache}</dd>
                <dt>Bus</dt>
                <dd>{s.backends.bus}</dd>
              </dl>
            </section>
            <section className="card" aria-labelledby="fleet-title">
              <h2 id="fleet-title">Fleet</h2>
              <dl className="facts">
                <dt>Agents</dt>
                <dd>{s.fleet.total}</dd>
                <dt>Streams here</dt>
                <dd>{s.fleet.connected}</dd>
                <dt>By status</dt>
                <dd>
                  {Object.entries(s.fleet.byStatus).map(([k, n]) => (
                    <span key={k}>
                      <Badge value={k} /> {n}{' '}
                    </span>
                  ))}
                </dd>
                <dt>By version</dt>
                <dd>
                  {Object.entries(s.fleet.byVersion)
                    .map(([k, n]) => `${k}: ${n}`)
                    .join(', ') || '–'}
                </dd>
              </dl>
            </section>
          </div>
          <section aria-labelledby="instances-title">
            <h2 id="instances-title">Instances</h2>
            <div className="table-wrap">
              <table aria-label="Instances">
                <thead>
                  <tr>
                    <th scope="col">Instance</th>
                    <th scope="col">gRPC address</th>
                    <th scope="col">Agents</th>
                    <th scope="col">Version</th>
                    <th scope="col">Started</th>
                    <th scope="col">Last seen</th>
                  </tr>
                </thead>
                <tbody>
                  {s.instances.map((i) => (
                    <tr key={i.instanceId}>
                      <td>
                        <code>{i.instanceId}</code>
                      </td>
                      <td>{i.address}</td>
                      <td>{i.agents}</td>
                      <td>{i.version}</td>
                      <td>{formatTime(i.startedAt)}</td>
                      <td>{formatTime(i.seenAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
      <ConfirmDialog
        open={confirming}
        title={s?.maintenanceMode ? 'Turn maintenance mode off?' : 'Turn maintenance mode on?'}
        confirmLabel={s?.maintenanceMode ? 'Turn off' : 'Turn on'}
        danger={!s?.maintenanceMode}
        onConfirm={() => void toggle()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          {s?.maintenanceMode
            ? 'Held commands are released to agents.'
            : 'Commands other than emergencies stay queued until it is turned off.'}
        </p>
      </ConfirmDialog>
    </>
  );
}
