// The monitoring kit (deploy/monitoring) on the real tools: promtool checks the
// configuration and the rules and runs the rules' unit tests; a running
// `corral serve` passes `promtool check metrics`; a private Prometheus scrapes
// it with the kit's rules loaded, every rule evaluates without error, every
// dashboard query runs, series come back for an agent that connected and a
// command it ran, and killing the agent sets off CorralAgentsWentInactive.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import {
  allOutputs,
  api,
  killAllProcesses,
  makeTempDir,
  removeTempDirs,
  startAgentProcess,
  startServerProcess,
  type ApiClient,
  type ManagedProcess,
  type ServerProcess,
} from '../support/server-process.js';
import {
  describeWithPrometheus,
  promtool,
  startPrometheus,
  type PrometheusProcess,
  type Sample,
} from '../support/prometheus.js';
import { waitFor } from '../support/wait-for.js';
import {
  asPrometheusQuery,
  dashboardQueries,
  dashboards,
  exposedFamilies,
  MONITORING_DOC,
  namesUsed,
  PROMETHEUS_CONFIG,
  ruleExpressions,
  ruleFiles,
  ruleTestFiles,
  unknownMetrics,
} from './monitoring-kit.js';

interface LoadedRule {
  readonly type: 'alerting' | 'recording';
  readonly name: string;
  readonly query: string;
  readonly health: string;
  readonly lastError?: string;
  readonly duration?: number;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

afterAll(async () => {
  await killAllProcesses();
  removeTempDirs();
});

describeWithPrometheus('the monitoring kit on promtool and Prometheus', () => {
  it('promtool accepts prometheus.yml and the rule files, and the rules pass their unit tests', async () => {
    const config = await promtool(['check', 'config', PROMETHEUS_CONFIG]);
    expect(config.code, config.stdout + config.stderr).toBe(0);
    // check config also checks the rule files it names: both of them.
    expect(config.stdout).toContain('SUCCESS: 2 rule files found');
    const rules = await promtool(['check', 'rules', ...ruleFiles()]);
    expect(rules.code, rules.stdout + rules.stderr).toBe(0);
    const tests = await promtool(['test', 'rules', ...ruleTestFiles()]);
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toContain('SUCCESS');
  });

  let server: ServerProcess;
  let client: ApiClient;
  let agent: ManagedProcess;
  let prometheus: PrometheusProcess;
  const scrape = async () => (await fetch(`${server.metricsUrl}/metrics`)).text();
  const value = async (expr: string): Promise<number | undefined> => (await prometheus.query(expr))[0]?.value;

  beforeAll(async () => {
    server = await startServerProcess({
      env: {
        HEARTBEAT_INTERVAL: '1s',
        HEARTBEAT_FLUSH_INTERVAL: '100ms',
        AGENT_TIMEOUT: '2s',
        MAX_INACTIVE_TIME: '3s',
      },
    });
    client = api(server);
    const secret = (
      await client.post<{ secret: string }>('/api/v1/enrollment-secrets', { name: 'monitoring-kit' })
    ).body.secret;
    agent = startAgentProcess([
      '--server',
      server.grpcAddress,
      '--enroll-secret',
      secret,
      '--state-dir',
      makeTempDir('corral-monitoring-agent-'),
      '--agent-id',
      'watched-agent',
      '--heartbeat-interval',
      '1s',
    ]);
    await waitFor(
      () => client.get<{ status: string }>('/api/v1/agents/watched-agent'),
      (r) => r.status === 200 && r.body.status === 'online',
      { description: 'the agent online' },
    );
    const sent = await client.post<{ command: { id: string } }>('/api/v1/commands', {
      type: 'status',
      target: { kind: 'agent', agentId: 'watched-agent' },
    });
    expect(sent.status).toBe(201);
    await waitFor(
      () => client.get<{ status: string }>(`/api/v1/commands/${sent.body.command.id}`),
      (r) => r.body.status === 'succeeded',
      { description: 'the status command succeeded' },
    );
    prometheus = await startPrometheus({
      targets: [new URL(server.metricsUrl).host],
      ruleFiles: ruleFiles(),
    });
  }, 60_000);

  const showOutputs = () => onTestFailed(() => console.error(allOutputs()));

  it("Corral's exposition passes promtool check metrics and holds every metric the kit uses", async () => {
    showOutputs();
    const exposition = await scrape();
    const lint = await promtool(['check', 'metrics'], exposition);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout + lint.stderr).toBe('');
    const families = exposedFamilies(exposition);
    const used = [
      ...ruleFiles().flatMap((file) => ruleExpressions(readFileSync(file, 'utf8'))),
      ...dashboards().flatMap(({ dashboard }) => dashboardQueries(dashboard)),
    ].flatMap((query) => namesUsed(query).metrics);
    expect(unknownMetrics(new Set(used), families)).toEqual([]);
  });

  it('Prometheus scrapes Corral and answers with the agent, the command and the recorded fleet', async () => {
    showOutputs();
    await waitFor(
      () =>
        prometheus.api<{ activeTargets: { health: string; lastError: string }[] }>('targets?state=active'),
      (targets) => targets.activeTargets.length === 1 && targets.activeTargets[0]?.health === 'up',
      { description: 'the Corral target up' },
    );
    const eventually = (expr: string, accept: (samples: Sample[]) => boolean) =>
      waitFor(() => prometheus.query(expr), accept, { description: expr });
    await eventually('corral_agent_connections{job="corral"}', (s) => s[0]?.value === 1);
    await eventually(
      'corral_agent_commands_executed_total{job="corral",type="status",status="succeeded"}',
      (s) => s[0]?.value === 1,
    );
    await eventually('corral_commands{job="corral",status="succeeded"}', (s) => s[0]?.value === 1);
    // The recording rules evaluated on the scraped series.
    await eventually('job:corral_agents:max{job="corral",status="online"}', (s) => s[0]?.value === 1);
    await eventually('job:corral_agent_connections:sum{job="corral"}', (s) => s[0]?.value === 1);
    expect(await value('corral_outbox_events{job="corral"}')).toBeGreaterThanOrEqual(0);
    expect(await value('corral_maintenance_mode{job="corral"}')).toBe(0);
  });

  it('loads every rule of the kit and evaluates each without error; every alert says what to do', async () => {
    showOutputs();
    const groups = await waitFor(
      () => prometheus.api<{ groups: { name: string; rules: LoadedRule[] }[] }>('rules'),
      (data) => data.groups.every((group) => group.rules.every((rule) => rule.health !== 'unknown')),
      { description: 'every rule evaluated once' },
    );
    expect(groups.groups.map((group) => group.name).sort()).toEqual(['corral.alerts', 'corral.recording']);
    const rules = groups.groups.flatMap((group) => group.rules);
    // As many rules as the test reader finds expressions: the name checks above saw every rule.
    expect(rules).toHaveLength(
      ruleFiles().flatMap((file) => ruleExpressions(readFileSync(file, 'utf8'))).length,
    );
    expect(rules.filter((rule) => rule.health !== 'ok')).toEqual([]);
    const runbook = readFileSync(MONITORING_DOC, 'utf8');
    for (const rule of rules.filter((r) => r.type === 'alerting')) {
      expect(['critical', 'warning'], rule.name).toContain(rule.labels?.severity);
      expect(rule.duration, rule.name).toBeGreaterThan(0);
      expect(rule.annotations?.summary, rule.name).toBeTruthy();
      expect(rule.annotations?.description, rule.name).toBeTruthy();
      // The runbook section exists: a heading whose anchor is the alert's name.
      expect(rule.annotations?.runbook_url, rule.name).toBe(`docs/monitoring.md#${rule.name.toLowerCase()}`);
      expect(runbook, rule.name).toMatch(new RegExp(`^#+ ${rule.name}$`, 'm'));
    }
  });

  it('runs every dashboard query; the fleet panels show the agent', async () => {
    showOutputs();
    for (const { file, dashboard } of dashboards())
      for (const query of dashboardQueries(dashboard)) {
        if (query.startsWith('label_values(')) continue;
        await expect(prometheus.query(asPrometheusQuery(query)), `${file}: ${query}`).resolves.toBeDefined();
      }
    const overview = dashboards().find(({ dashboard }) => dashboard.uid === 'corral-overview')?.dashboard;
    const panel = overview?.panels.find((p) => p.title === 'Agent streams open');
    const expr = panel?.targets?.[0]?.expr ?? 'missing panel';
    expect(await value(asPrometheusQuery(expr))).toBe(1);
  });

  it('an agent that dies goes inactive: the counter moves and CorralAgentsWentInactive goes pending', async () => {
    showOutputs();
    await agent.stop('SIGKILL');
    await waitFor(
      () => value('corral_agents_marked_stale_total{job="corral",status="inactive"}'),
      (count) => count === 1,
      { description: 'one agent marked inactive', timeoutMs: 30_000 },
    );
    const alerts = await waitFor(
      () => prometheus.query('ALERTS{alertname="CorralAgentsWentInactive"}'),
      (samples) => samples.length === 1,
      { description: 'the CorralAgentsWentInactive alert', timeoutMs: 30_000 },
    );
    // `for: 1m`: pending first (firing a minute later, which promtool's unit test covers).
    expect(alerts[0]?.metric).toMatchObject({ alertstate: 'pending', severity: 'warning', job: 'corral' });
    // The fleet gauge follows (the store's counts are cached for 2 s), and the recording rule with it.
    await waitFor(
      () => value('job:corral_agents:max{job="corral",status="inactive"}'),
      (count) => count === 1,
      { description: 'the recorded fleet count of inactive agents' },
    );
  });
});
