// Reads the monitoring kit in deploy/monitoring for its tests: the rule files'
// expressions and recorded names, the dashboards and their queries, and the
// metric names a PromQL text uses, to hold them against Corral's exposition.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/server-process.js';

export const KIT_DIR = join(REPO_ROOT, 'deploy/monitoring');
export const RULES_DIR = join(KIT_DIR, 'rules');
export const RULE_TESTS_DIR = join(KIT_DIR, 'tests');
export const DASHBOARDS_DIR = join(KIT_DIR, 'grafana/dashboards');
export const PROMETHEUS_CONFIG = join(KIT_DIR, 'prometheus.yml');
export const MONITORING_DOC = join(REPO_ROOT, 'docs/monitoring.md');

const yamlFiles = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.yml'))
    .sort()
    .map((name) => join(dir, name));

export const ruleFiles = (): string[] => yamlFiles(RULES_DIR);
export const ruleTestFiles = (): string[] => yamlFiles(RULE_TESTS_DIR);

/**
 * The `expr:` values of a rule file: inline, or a `|` block (the lines indented deeper than the key).
 * Enough for the kit's own files, which use only these two forms; the Prometheus test checks that
 * it finds as many expressions as Prometheus loads rules.
 */
export function ruleExpressions(text: string): string[] {
  const lines = text.split('\n');
  const expressions: string[] = [];
  lines.forEach((line, index) => {
    const match = /^(\s*)(?:- )?expr:\s*(.*)$/.exec(line);
    if (!match) return;
    const [, indent = '', inline = ''] = match;
    if (!/^[|>][-+]?$/.test(inline.trim())) {
      expressions.push(unquote(inline.trim()));
      return;
    }
    const block: string[] = [];
    for (const next of lines.slice(index + 1)) {
      if (next.trim() !== '' && next.search(/\S/) <= indent.length) break;
      block.push(next.trim());
    }
    expressions.push(block.join('\n').trim());
  });
  return expressions;
}

const unquote = (value: string) =>
  (value.startsWith("'") && value.endsWith("'")) || (value.startsWith('"') && value.endsWith('"'))
    ? value.slice(1, -1)
    : value;

/** Names defined by `record:` in a rule file. */
export const recordedNames = (text: string): string[] =>
  [...text.matchAll(/^\s*- record:\s*(\S+)\s*$/gm)].map((match) => match[1] as string);

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly TemplateVariable[] };
}

export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly datasource?: { readonly type: string; readonly uid: string };
  readonly targets?: readonly { readonly expr: string; readonly refId: string }[];
}

export interface TemplateVariable {
  readonly name: string;
  readonly type: string;
  readonly definition?: string;
}

export function dashboards(): { readonly file: string; readonly dashboard: Dashboard }[] {
  return readdirSync(DASHBOARDS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({
      file: name,
      dashboard: JSON.parse(readFileSync(join(DASHBOARDS_DIR, name), 'utf8')) as Dashboard,
    }));
}

/** Every PromQL query of a dashboard: the panels' targets and the query variables' definitions. */
export function dashboardQueries(dashboard: Dashboard): string[] {
  return [
    ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
    ...dashboard.templating.list.flatMap((variable) =>
      variable.type === 'query' && variable.definition ? [variable.definition] : [],
    ),
  ];
}

/**
 * A dashboard query as Prometheus can run it: Grafana's variables replaced by values that match a test's
 * single Corral (job "corral", every instance) and a short range.
 */
export const asPrometheusQuery = (expr: string): string =>
  expr
    .replaceAll('$job', 'corral')
    .replaceAll('$instance', '.*')
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s');

const RECORDED_NAME = /\b[a-z_][a-z0-9_]*:[a-z0-9_:]*[a-z0-9_]\b/g;
const CORRAL_NAME = /\bcorral_[a-z0-9_]+\b/g;

/** The recorded (level:metric:operation) names and the corral_* metric names a PromQL text uses. */
export function namesUsed(promql: string): { readonly recorded: string[]; readonly metrics: string[] } {
  const recorded = [...promql.matchAll(RECORDED_NAME)].map((match) => match[0]);
  const rest = promql.replace(RECORDED_NAME, ' ');
  const metrics = [...rest.matchAll(CORRAL_NAME)].map((match) => match[0]);
  return { recorded: [...new Set(recorded)], metrics: [...new Set(metrics)] };
}

/** Metric families of a Prometheus text exposition, by name, with their type. */
export function exposedFamilies(exposition: string): Map<string, string> {
  return new Map(
    [...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [
      match[1] as string,
      match[2] as string,
    ]),
  );
}

/** The names that are no series of these families (a histogram's family has _bucket, _sum and _count). */
export function unknownMetrics(names: Iterable<string>, families: ReadonlyMap<string, string>): string[] {
  return [...names].filter((name) => {
    if (families.has(name)) return false;
    const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
    return !(base !== undefined && ['histogram', 'summary'].includes(families.get(base) ?? ''));
  });
}
