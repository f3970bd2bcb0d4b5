// The target picker's state and the API target it becomes: one agent, a list
// of agents (a bulk send), a group, a label selector, or N agents with a
// capability chosen by the scheduler.
import type { CommandTarget } from '../api/types';

export const TARGET_KINDS = ['agent', 'agents', 'group', 'selector', 'capability'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

export interface TargetForm {
  readonly kind: TargetKind;
  readonly agentId: string;
  /** One id per line or separated by commas. */
  readonly agentIds: string;
  readonly groupId: string;
  /** key=value pairs separated by commas. */
  readonly labels: string;
  readonly capability: string;
  readonly count: string;
}

export const EMPTY_TARGET: TargetForm = {
  kind: 'agent',
  agentId: '',
  agentIds: '',
  groupId: '',
  labels: '',
  capability: '',
  count: '1',
};

/** `env=prod, team=red` → {env: 'prod', team: 'red'}; undefined when a pair has no `=`. */
export function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  for (const pair of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const at = pair.indexOf('=');
    if (at <= 0) return undefined;
    labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return labels;
}

export type TargetResult = { target: CommandTarget } | { error: string };

export function buildTarget(form: TargetForm): TargetResult {
  switch (form.kind) {
    case 'agent':
      return form.agentId.trim()
        ? { target: { kind: 'agent', agentId: form.agentId.trim() } }
        : { error: 'name an agent' };
    case 'agents': {
      const agentIds = [...new Set(form.agentIds.split(/[\s,]+/).filter((id) => id !== ''))];
      return agentIds.length
        ? { target: { kind: 'agents', agentIds } }
        : { error: 'name at least one agent' };
    }
    case 'group':
      return form.groupId
        ? { target: { kind: 'group', groupId: form.groupId } }
        : { error: 'choose a group' };
    case 'selector': {
      const labels = parseLabels(form.labels);
      if (!labels || Object.keys(labels).length === 0)
        return { error: 'give labels as key=value, separated by commas' };
      return { target: { kind: 'selector', labels } };
    }
    case 'capability': {
      const count = Number(form.count);
      if (!form.capability.trim()) return { error: 'name a capability' };
      if (!Number.isInteger(count) || count < 1)
        return { error: 'the count must be a whole number of at least 1' };
      return { target: { kind: 'capability', capability: form.capability.trim(), count } };
    }
  }
}
