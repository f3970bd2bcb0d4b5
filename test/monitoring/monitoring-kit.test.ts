// The monitoring kit against the code, without Prometheus: every metric the
// rules and dashboards name is one Corral exports (so they cannot silently rot
// when a metric is renamed), every recorded name they use is defined, and the
// dashboards are well-formed Grafana JSON. test/monitoring/prometheus.int.test.ts
// runs the same kit on a real Prometheus.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CorralMetrics } from '../../src/metrics/corral-metrics.js';
import { FIXED_FLEET_GAUGES } from '../../src/metrics/corral-metrics.fixtures.js';
import {
  dashboardQueries,
  dashboards,
  exposedFamilies,
  MONITORING_DOC,
  namesUsed,
  recordedNames,
  ruleExpressions,
  ruleFiles,
  unknownMetrics,
} from './monitoring-kit.js';

const families = exposedFamilies(await new CorralMetrics(FIXED_FLEET_GAUGES).registry.metrics());
const rules = ruleFiles().map((file) => ({ file, text: readFileSync(file, 'utf8') }));
const recorded = new Set(rules.flatMap(({ text }) => recordedNames(text)));

describe('the rule files', () => {
  it('use only metrics Corral exports and names they record', () => {
    const expressions = rules.flatMap(({ text }) => ruleExpressions(text));
    // 15 recording rules and 18 alerting rules: the reader found them all.
    expect(expressions).toHaveLength(33);
    const used = expressions.map(namesUsed);
    const metrics = new Set(used.flatMap((names) => names.metrics));
    expect(unknownMetrics(metrics, families)).toEqual([]);
    expect(used.flatMap((names) => names.recorded).filter((name) => !recorded.has(name))).toEqual([]);
    // What the brief's alerts rest on is there (and the reader does see names).
    for (const name of [
      'corral_agents_marked_stale_total',
      'corral_message_queue_oldest_age_seconds',
      'corral_outbox_oldest_age_seconds',
      'corral_nodejs_eventloop_lag_p99_seconds',
      'corral_agent_commands_executed_total',
      'corral_agents_by_health',
    ])
      expect(metrics).toContain(name);
  });

  it('record each name once, as level:metric:operations', () => {
    const names = rules.flatMap(({ text }) => recordedNames(text));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z_]+:corral_[a-z0-9_]+:[a-z0-9_]+$/);
  });
});

describe('the dashboards', () => {
  const boards = dashboards();

  it('are the three of seed 004, each with its own uid', () => {
    expect(boards.map(({ dashboard }) => dashboard.uid).sort()).toEqual([
      'corral-agents',
      'corral-commands',
      'corral-overview',
    ]);
  });

  it.each(boards.map(({ file, dashboard }) => [file, dashboard] as const))(
    '%s uses only exported metrics and recorded names',
    (_file, dashboard) => {
      const used = dashboardQueries(dashboard).map(namesUsed);
      const metrics = new Set(used.flatMap((names) => names.metrics));
      expect(metrics.size).toBeGreaterThan(3);
      expect(unknownMetrics(metrics, families)).toEqual([]);
      expect(used.flatMap((names) => names.recorded).filter((name) => !recorded.has(name))).toEqual([]);
    },
  );

  it.each(boards.map(({ file, dashboard }) => [file, dashboard] as const))(
    '%s is well-formed: data source and job variables, unique ids, panels on the grid without overlap',
    (_file, dashboard) => {
      expect(dashboard.templating.list.map((variable) => variable.name)).toEqual([
        'datasource',
        'job',
        'instance',
      ]);
      const ids = dashboard.panels.map((panel) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      const taken = new Set<string>();
      for (const panel of dashboard.panels) {
        const { x, y, w, h } = panel.gridPos;
        expect(x + w, panel.title).toBeLessThanOrEqual(24);
        for (let row = y; row < y + h; row++)
          for (let column = x; column < x + w; column++) {
            const cell = `${row}:${column}`;
            expect(taken.has(cell), `${panel.title} overlaps at ${cell}`).toBe(false);
            taken.add(cell);
          }
        if (panel.type === 'row') continue;
        expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
        expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
        // Every query is scoped to the chosen Corral deployment.
        for (const target of panel.targets ?? []) expect(target.expr, panel.title).toContain('job="$job"');
      }
    },
  );
});

describe('the metrics reference in docs/monitoring.md', () => {
  const doc = readFileSync(MONITORING_DOC, 'utf8');
  // The reference table is the first table of the "## Metrics" section.
  const section = doc.slice(doc.indexOf('\n## Metrics\n'), doc.indexOf('\n### Measured cost\n'));
  const listed = [...section.matchAll(/^\| `(corral_[a-z0-9_]+)` \|/gm)].map((match) => match[1] as string);

  it('lists every metric Corral exports (prom-client defaults aside), once, and nothing it does not export', () => {
    expect(listed.length).toBeGreaterThan(30);
    expect(new Set(listed).size).toBe(listed.length);
    const ours = [...families.keys()].filter((name) => !/^corral_(process|nodejs)_/.test(name));
    expect(ours.filter((name) => !listed.includes(name))).toEqual([]);
    expect(listed.filter((name) => !families.has(name))).toEqual([]);
  });
});
