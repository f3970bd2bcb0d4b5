// The fleet at a glance: counts by connectivity, health and compliance (reloaded
// as agents change), charts of connections and command throughput from the live
// fleet samples, and alerts for unhealthy and inactive agents.
import { Link } from 'wouter';
import type { Agent, CommandStats, ComplianceSummary, FleetStatistics } from '../api/types';
import type { Page } from '../api/client';
import { Badge } from '../components/badges';
import { LineChart } from '../components/line-chart';
import { Problem } from '../components/problem';
import { useFleetSamples, useLiveReload } from '../live/live-context';
import { throughput } from '../live/samples';
import { formatCount, timeAgo } from '../lib/format';
import { useApi } from '../lib/use-api';

const AGENT_CHANGES =
  /^(agent_|compliance_changed|config_applied|config_failed|policy_applied|policy_failed)/;

interface Numbers {
  fleet: FleetStatistics;
  compliance: ComplianceSummary;
  unhealthy: Page<Agent>;
  inactive: Page<Agent>;
}

/** Commands by status are counted over the whole commands table: reloaded at most every 5 s. */
const COMMAND_STATS_RELOAD_MS = 5000;

export function OverviewPage() {
  const numbers = useApi<Numbers>(async (api, signal) => {
    const [fleet, compliance, unhealthy, inactive] = await Promise.all([
      api.get<FleetStatistics>('/fleet/statistics', {}, { signal }),
      api.get<ComplianceSummary>('/compliance', {}, { signal }),
      api.get<Page<Agent>>(
        '/agents',
        { health: 'unhealthy', status: 'online,offline', pageSize: 10 },
        { signal },
      ),
      api.get<Page<Agent>>('/agents', { status: 'inactive', pageSize: 10 }, { signal }),
    ]);
    return { fleet, compliance, unhealthy, inactive };
  }, []);
  const commands = useApi((api, signal) => api.get<CommandStats>('/commands/stats', {}, { signal }), []);
  useLiveReload((event) => AGENT_CHANGES.test(event.type), numbers.reload, 1000);
  useLiveReload((event) => event.type.startsWith('command_'), commands.reload, COMMAND_STATS_RELOAD_MS);
  const { samples } = useFleetSamples();
  const times = samples.map((s) => Date.parse(s.at));
  const rates = throughput(samples);
  const data = numbers.data;
  return (
    <>
      <h1>Fleet overview</h1>
      <Problem error={numbers.error} title="Could not load the fleet" />
      <section aria-labelledby="counts-title">
        <h2 id="counts-title" className="visually-hidden">
          Counts
        </h2>
        <div className="cards">
          <CountCard
            title="Connectivity"
            total={data?.fleet.total}
            counts={data?.fleet.byStatus}
            order={['online', 'offline', 'inactive']}
          />
          <CountCard
            title="Health"
            counts={data?.fleet.byHealth}
            order={['healthy', 'degraded', 'unhealthy', 'unknown']}
          />
          <CountCard
            title="Compliance"
            counts={data?.compliance.byCompliance}
            order={['compliant', 'pending', 'non_compliant', 'unknown']}
          />
          <CountCard
            title="Commands"
            total={commands.data?.unfinished}
            totalLabel="unfinished"
            counts={commands.data?.byStatus}
            order={['queued', 'running', 'succeeded', 'failed']}
          />
        </div>
      </section>
      <section aria-labelledby="charts-title">
        <h2 id="charts-title">Over time</h2>
        <div className="charts">
          <LineChart
            title="Agents online"
            series={[
              {
                name: 'Online (fleet)',
                points: samples.map((s, i) => ({ x: times[i] as number, y: s.agents.byStatus.online ?? 0 })),
              },
              {
                name: 'Streams on this instance',
                points: samples.map((s, i) => ({ x: times[i] as number, y: s.agents.connected })),
              },
            ]}
            empty="Waiting for the first fleet samples…"
          />
          <LineChart
            title="Command throughput (per minute)"
            series={[
              { name: 'Created', points: rates.map((p) => ({ x: p.at, y: p.created })) },
              { name: 'Finished', points: rates.map((p) => ({ x: p.at, y: p.finished })) },
            ]}
            empty="Two fleet samples are needed for a rate."
          />
        </div>
      </section>
      <section aria-labelledby="alerts-title">
        <h2 id="alerts-title">Alerts</h2>
        <div className="cards">
          <AlertList
            title="Unhealthy agents"
            agents={data?.unhealthy.items}
            more={data?.unhealthy.nextPageToken !== undefined}
            href="/agents?health=unhealthy"
          />
          <AlertList
            title="Inactive agents"
            agents={data?.inactive.items}
            more={data?.inactive.nextPageToken !== undefined}
            href="/agents?status=inactive"
          />
        </div>
      </section>
    </>
  );
}

function CountCard(props: {
  title: string;
  counts: Record<string, number> | undefined;
  order: readonly string[];
  total?: number | undefined;
  totalLabel?: string;
}) {
  // The usual keys always, others only when they count something.
  const others = Object.entries(props.counts ?? {}).filter(
    ([k, n]) => !props.order.includes(k) && k !== 'decommissioned' && n > 0,
  );
  const keys = [...props.order, ...others.map(([k]) => k)];
  return (
    <section className="card" aria-label={props.title}>
      <h3>{props.title}</h3>
      {props.total !== undefined && (
        <p className="big">
          {formatCount(props.total)} <span className="muted">{props.totalLabel ?? 'agents'}</span>
        </p>
      )}
      <dl className="counts">
        {keys.map((key) => (
          <div key={key}>
            <dt>
              <Badge value={key} />
            </dt>
            <dd>{formatCount(props.counts?.[key] ?? 0)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function AlertList({
  title,
  agents,
  more,
  href,
}: {
  title: string;
  agents: Agent[] | undefined;
  more: boolean;
  href: string;
}) {
  return (
    <section className="card" aria-label={title}>
      <h3>{title}</h3>
      {agents === undefined ? (
        <p className="muted">Loading…</p>
      ) : agents.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="plain">
          {agents.map((agent) => (
            <li key={agent.id}>
              <Link href={`/agents/${encodeURIComponent(agent.id)}`}>{agent.name || agent.id}</Link>{' '}
              <Badge value={agent.health} /> <span className="muted">seen {timeAgo(agent.lastSeenAt)}</span>
              {agent.healthReasons.length > 0 && (
                <span className="muted"> — {agent.healthReasons.join('; ')}</span>
              )}
            </li>
          ))}
        </ul>
      )}
      {more && <Link href={href}>All of them</Link>}
    </section>
  );
}
