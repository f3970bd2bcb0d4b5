// One agent: its facts and health, metric charts from its recent heartbeats
// (polled while the page is open: heartbeats are not events), configuration
// (desired, applied, drift), policies and compliance, groups, command history,
// sessions, and the actions an operator may take (send a command, unregister).
import { useState } from 'react';
import { Link, useLocation, useParams } from 'wouter';
import type { Page } from '../api/client';
import type { Agent, Command, Group } from '../api/types';
import { Badge } from '../components/badges';
import { ConfirmDialog } from '../components/confirm-dialog';
import { AgentMetadataForm } from '../components/agent-metadata-form';
import { AgentPoliciesSection, type AgentPolicies } from '../components/agent-policies';
import { LayerEditor } from '../components/layer-editor';
import { LineChart } from '../components/line-chart';
import { Problem } from '../components/problem';
import { useLiveReload } from '../live/live-context';
import { formatBytes, formatDuration, formatTime, labelsText, timeAgo } from '../lib/format';
import { can } from '../lib/roles';
import { useApi } from '../lib/use-api';
import { useInterval } from '../lib/use-interval';
import { useSession } from '../session';

interface Metrics {
  latest: Agent['lastHeartbeat'];
  history: {
    receivedAt: string | null;
    cpuPercent: number;
    memoryPercent: number;
    load1: number;
    queueDepth: number;
    errorCount: number;
  }[];
}

interface AgentConfiguration {
  desired: {
    configuration: Record<string, unknown>;
    digest: string;
    layers: { scope: string; revision: number; revisionId: string }[];
  };
  applied: {
    configuration: {
      desiredDigest: string;
      appliedDigest: string | null;
      status: string;
      error: string | null;
      reportedAt: string | null;
    };
    policies: {
      desiredDigest: string;
      appliedDigest: string | null;
      status: string;
      error: string | null;
      reportedAt: string | null;
    };
    compliance: string;
    complianceReason: string;
  } | null;
  upToDate: boolean;
}

interface Session {
  id: string;
  createdAt: string;
  expiresAt: string;
  peer: string;
}

export function AgentDetailPage() {
  const { id } = useParams<{ id: string }>();
  const agentId = decodeURIComponent(id);
  const path = `/agents/${encodeURIComponent(agentId)}`;
  const { me, api } = useSession();
  const [, navigate] = useLocation();
  const agent = useApi((a, signal) => a.get<Agent>(path, {}, { signal }), [path]);
  const metrics = useApi((a, signal) => a.get<Metrics>(`${path}/metrics`, {}, { signal }), [path]);
  const extra = useApi(
    async (a, signal) => {
      const [configuration, policies, groups, commands, sessions] = await Promise.all([
        a.get<AgentConfiguration>(`${path}/configuration`, {}, { signal }),
        a.get<AgentPolicies>(`${path}/policies`, {}, { signal }),
        a.get<{ items: Group[] }>(`${path}/groups`, {}, { signal }),
        a.get<Page<Command>>(`${path}/commands`, { pageSize: 20 }, { signal }),
        a.get<Page<Session>>(`${path}/sessions`, {}, { signal }),
      ]);
      return {
        configuration,
        policies,
        groups: groups.items,
        commands: commands.items,
        sessions: sessions.items,
      };
    },
    [path],
  );
  useInterval(metrics.reload, 5000);
  useLiveReload((event) => event.subject.id === agentId && event.subject.kind === 'agent', agent.reload, 500);
  useLiveReload(
    (event) =>
      event.subject.id === agentId || (event.type.startsWith('command_') && event.data.agentId === agentId),
    extra.reload,
    1000,
  );
  const [confirming, setConfirming] = useState(false);
  const [actionError, setActionError] = useState<unknown>(undefined);

  const a = agent.data;
  if (agent.error && !a) return <Problem error={agent.error} title={`Could not load agent ${agentId}`} />;
  if (!a) return <p className="muted">Loading…</p>;
  const history = metrics.data?.history ?? [];
  const at = (i: number) => Date.parse(history[i]?.receivedAt ?? '') || i;
  const endSession = async (sessionId: string) => {
    setActionError(undefined);
    try {
      await api.delete(`/sessions/${encodeURIComponent(sessionId)}`);
      extra.reload();
    } catch (error) {
      setActionError(error);
    }
  };
  const unregister = async () => {
    setConfirming(false);
    try {
      await api.delete(path);
      navigate('/agents');
    } catch (error) {
      setActionError(error);
    }
  };
  return (
    <>
      <h1>
        Agent {a.name || a.id} <Badge value={a.status} /> <Badge value={a.health} />
      </h1>
      <div className="actions">
        {can(me.role, 'sendCommand') && a.status !== 'decommissioned' && (
          <Link className="button primary" href={`/commands/new?agent=${encodeURIComponent(a.id)}`}>
            Send command
          </Link>
        )}
        {can(me.role, 'unregisterAgent') && a.status !== 'decommissioned' && (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Unregister
          </button>
        )}
      </div>
      <Problem error={actionError} />
      {can(me.role, 'editAgent') && a.status !== 'decommissioned' && (
        <AgentMetadataForm key={a.revision} agent={a} onSaved={agent.reload} />
      )}
      <ConfirmDialog
        open={confirming}
        title={`Unregister ${a.name || a.id}?`}
        confirmLabel="Unregister"
        danger
        onConfirm={() => void unregister()}
        onCancel={() => setConfirming(false)}
      >
        <p>
          Its sessions end, its credential is dropped and its stream is closed. It may enroll again later.
        </p>
      </ConfirmDialog>

      <div className="two-col">
        <section className="card" aria-labelledby="facts">
          <h2 id="facts">Facts</h2>
          <dl className="facts">
            <dt>Id</dt>
            <dd>
              <code>{a.id}</code>
            </dd>
            <dt>Host</dt>
            <dd>
              {a.hostname} ({a.ipAddress})
            </dd>
            <dt>Type / version</dt>
            <dd>
              {a.type} {a.version} on {a.platform}
            </dd>
            <dt>Capabilities</dt>
            <dd>{a.capabilities.join(', ') || 'none'}</dd>
            <dt>Labels</dt>
            <dd>{labelsText(a.labels) || 'none'}</dd>
            <dt>Connected here</dt>
            <dd>{a.connected ? 'yes' : 'no'}</dd>
            <dt>Last seen</dt>
            <dd>
              {timeAgo(a.lastSeenAt)} <span className="muted">{formatTime(a.lastSeenAt)}</span>
            </dd>
            <dt>Health reasons</dt>
            <dd>{a.healthReasons.join('; ') || 'none'}</dd>
            <dt>Enrolled</dt>
            <dd>{formatTime(a.enrolledAt)}</dd>
            {a.lastHeartbeat && (
              <>
                <dt>Memory / uptime</dt>
                <dd>
                  {formatBytes(a.lastHeartbeat.memoryRssBytes)} · up{' '}
                  {formatDuration(a.lastHeartbeat.uptimeSeconds)}
                </dd>
              </>
            )}
          </dl>
        </section>
        <section className="card" aria-labelledby="groups-title">
          <h2 id="groups-title">Groups</h2>
          {extra.data?.groups.length ? (
            <ul className="plain">
              {extra.data.groups.map((g) => (
                <li key={g.id}>
                  <Link href={`/groups/${encodeURIComponent(g.id)}`}>{g.name}</Link>{' '}
                  <span className="muted">({g.kind})</span>
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">In no group.</p>
          )}
          <h2>Sessions</h2>
          {extra.data?.sessions.length ? (
            <ul className="plain">
              {extra.data.sessions.map((s) => (
                <li key={s.id}>
                  from {s.peer}, since {formatTime(s.createdAt)}, expires {formatTime(s.expiresAt)}{' '}
                  {can(me.role, 'endSession') && (
                    <button type="button" onClick={() => void endSession(s.id)}>
                      End session
                    </button>
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No open session.</p>
          )}
        </section>
      </div>

      <section aria-labelledby="metrics-title">
        <h2 id="metrics-title">Metrics</h2>
        <Problem error={metrics.error} title="Could not load metrics" />
        <div className="charts">
          <LineChart
            title="CPU and memory (%)"
            yMax={100}
            series={[
              { name: 'CPU %', points: history.map((p, i) => ({ x: at(i), y: p.cpuPercent })) },
              { name: 'Memory %', points: history.map((p, i) => ({ x: at(i), y: p.memoryPercent })) },
            ]}
            empty="No heartbeat held by this instance yet."
          />
          <LineChart
            title="Queue depth and errors"
            series={[
              { name: 'Queue depth', points: history.map((p, i) => ({ x: at(i), y: p.queueDepth })) },
              { name: 'Errors', points: history.map((p, i) => ({ x: at(i), y: p.errorCount })) },
              { name: 'Load (1 min)', points: history.map((p, i) => ({ x: at(i), y: p.load1 })) },
            ]}
            empty="No heartbeat held by this instance yet."
          />
        </div>
      </section>

      <ConfigurationSection configuration={extra.data?.configuration} />
      <LayerEditor
        path={`${path}/configuration/layer`}
        scope={`agent:${a.id}`}
        title="The agent's own configuration layer"
      />
      <AgentPoliciesSection agentId={a.id} policies={extra.data?.policies} onChanged={extra.reload} />

      <section aria-labelledby="commands-title">
        <h2 id="commands-title">Command history</h2>
        <Problem error={extra.error} title="Could not load the agent's details" />
        <CommandTable commands={extra.data?.commands ?? []} label={`Commands of ${a.name || a.id}`} />
      </section>
    </>
  );
}

function ConfigurationSection({ configuration }: { configuration: AgentConfiguration | undefined }) {
  if (!configuration) return null;
  const applied = configuration.applied;
  const drift = applied ? applied.configuration.appliedDigest !== configuration.desired.digest : true;
  return (
    <section aria-labelledby="configuration-title">
      <h2 id="configuration-title">Configuration</h2>
      <div className="two-col">
        <div className="card">
          <dl className="facts">
            <dt>Compliance</dt>
            <dd>
              <Badge value={applied?.compliance ?? 'unknown'} /> {applied?.complianceReason}
            </dd>
            <dt>Drift</dt>
            <dd>
              {drift ? <Badge value="pending" /> : <Badge value="compliant" />}{' '}
              {drift ? 'applied differs from desired' : 'none: applied is desired'}
            </dd>
            <dt>Desired digest</dt>
            <dd>
              <code>{configuration.desired.digest.slice(0, 16)}</code>
            </dd>
            <dt>Applied digest</dt>
            <dd>
              <code>{applied?.configuration.appliedDigest?.slice(0, 16) ?? 'none reported'}</code> (
              {applied?.configuration.status ?? 'not sent'})
              {applied?.configuration.error && (
                <span className="field-error"> {applied.configuration.error}</span>
              )}
            </dd>
            <dt>Layers</dt>
            <dd>
              {configuration.desired.layers.map((l) => `${l.scope} r${l.revision}`).join(' ← ') ||
                'defaults only'}
            </dd>
          </dl>
        </div>
        <div className="card">
          <h3>Effective configuration</h3>
          <pre>{JSON.stringify(configuration.desired.configuration, null, 2)}</pre>
        </div>
      </div>
    </section>
  );
}

export function CommandTable({ commands, label }: { commands: readonly Command[]; label: string }) {
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Command</th>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Agent</th>
            <th scope="col">Created</th>
            <th scope="col">Progress</th>
          </tr>
        </thead>
        <tbody>
          {commands.map((c) => (
            <tr key={c.id}>
              <td>
                <Link href={`/commands/${encodeURIComponent(c.id)}`}>{c.id}</Link>
              </td>
              <td>{c.type}</td>
              <td>
                <Badge value={c.status} />
              </td>
              <td>
                {c.agentId ? (
                  <Link href={`/agents/${encodeURIComponent(c.agentId)}`}>{c.agentId}</Link>
                ) : c.children ? (
                  `${c.children.total} agents`
                ) : (
                  '–'
                )}
              </td>
              <td>{formatTime(c.createdAt)}</td>
              <td>{c.progress ? `${Math.round(c.progress.percent)}% ${c.progress.message}` : ''}</td>
            </tr>
          ))}
          {commands.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                No command.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
