// The request bodies `corral groups create` and `update` send, built from
// flags; a bad flag is a UsageError naming it, so it never reaches the network.
// Label pairs are checked by the shared reader in agent-flags.ts.
import { UsageError } from '../usage-error.js';
import { labels } from './agent-flags.js';

export interface GroupDefinitionFlags {
  readonly name?: string;
  readonly description?: string;
  readonly selector?: string;
  readonly priority?: string;
}

export interface CreateGroupFlags extends GroupDefinitionFlags {
  readonly name: string;
  readonly kind?: string;
}

/** `--priority`: a whole number from -1000 to 1000. */
export function priority(flag: string, value: string): number {
  const n = /^[+-]?\d{1,4}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(n >= -1000 && n <= 1000))
    throw new UsageError(`${flag}: ${JSON.stringify(value)} must be a whole number from -1000 to 1000`);
  return n;
}

/** `--selector env=prod,team=blue` → `{ env: 'prod', team: 'blue' }`. */
export function selector(flag: string, value: string): Record<string, string> {
  const pairs = value
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '');
  if (pairs.length === 0) throw new UsageError(`${flag}: give at least one key=value`);
  return labels(flag, pairs);
}

function definition(flags: GroupDefinitionFlags): Record<string, unknown> {
  return {
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(flags.description === undefined ? {} : { description: flags.description }),
    ...(flags.selector === undefined ? {} : { selector: selector('--selector', flags.selector) }),
    ...(flags.priority === undefined ? {} : { priority: priority('--priority', flags.priority) }),
  };
}

/** A group with --selector is dynamic unless --kind says otherwise (which the server then refuses). */
export function createGroupBody(flags: CreateGroupFlags): Record<string, unknown> {
  const kind = flags.kind ?? (flags.selector === undefined ? 'static' : 'dynamic');
  if (kind !== 'static' && kind !== 'dynamic')
    throw new UsageError(`--kind: ${JSON.stringify(kind)} must be static or dynamic`);
  if (kind === 'dynamic' && flags.selector === undefined)
    throw new UsageError('--selector is required for a dynamic group');
  if (kind === 'static' && flags.selector !== undefined)
    throw new UsageError('--selector makes a dynamic group; leave out --kind static');
  return { kind, ...definition(flags) };
}

export function updateGroupBody(flags: GroupDefinitionFlags): Record<string, unknown> {
  const body = definition(flags);
  if (Object.keys(body).length === 0)
    throw new UsageError('give at least one of --name, --description, --selector, --priority');
  return body;
}
