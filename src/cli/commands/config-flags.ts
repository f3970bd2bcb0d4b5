// The requests `corral config set` and `bulk` send, built from flags: the layer
// a scope flag names, --set path=value pairs typed by the configuration schema,
// --file documents and bulk targets. A bad flag is a UsageError naming it, so
// it never reaches the network. Shared readers come from agent-flags.ts,
// group-flags.ts and command-types-command.ts.
import { z } from 'zod';
import {
  agentConfigurationSchema,
  type ConfigurationLayer,
} from '../../features/configuration/agent-configuration.js';
import { mergeLayers } from '../../features/configuration/layering.js';
import { UsageError } from '../usage-error.js';
import { agentId, text } from './agent-flags.js';
import { readJsonObjectFile } from './command-types-command.js';
import { selector } from './group-flags.js';

export interface ScopeFlags {
  readonly fleet?: boolean;
  readonly group?: string;
  readonly agent?: string;
}

export interface LayerScope {
  /** The layer's path under /api/v1. */
  readonly path: string;
  /** As the revisions listing names it: fleet, group:<id>, agent:<id>. */
  readonly key: string;
  readonly label: string;
}

/** The one scope the flags name; none means the fleet when `fleetByDefault`. */
export function layerScope(flags: ScopeFlags, fleetByDefault = false): LayerScope {
  const given = [flags.fleet ? '--fleet' : undefined, flags.group, flags.agent].filter(
    (f) => f !== undefined,
  );
  if (given.length > 1 || (given.length === 0 && !fleetByDefault))
    throw new UsageError(`give ${fleetByDefault ? 'at most' : 'exactly'} one of --fleet, --group, --agent`);
  if (flags.group !== undefined) {
    const id = agentId('--group', flags.group);
    return {
      path: `/groups/${encodeURIComponent(id)}/configuration`,
      key: `group:${id}`,
      label: `group ${id}`,
    };
  }
  if (flags.agent !== undefined) {
    const id = agentId('--agent', flags.agent);
    return {
      path: `/agents/${encodeURIComponent(id)}/configuration/layer`,
      key: `agent:${id}`,
      label: `agent ${id}`,
    };
  }
  return { path: '/configuration/fleet', key: 'fleet', label: 'fleet' };
}

type Scalar = 'string' | 'number' | 'boolean';
const scalarType = (schema: z.ZodType): Scalar =>
  schema instanceof z.ZodOptional
    ? scalarType(schema.unwrap() as z.ZodType)
    : schema instanceof z.ZodNumber
      ? 'number'
      : schema instanceof z.ZodBoolean
        ? 'boolean'
        : 'string';
/** The fields --set can reach and their types, from the configuration schema (metadata.<key> besides). */
const SETTABLE: ReadonlyMap<string, Scalar> = new Map(
  Object.entries(agentConfigurationSchema.shape).flatMap(([key, schema]): [string, Scalar][] =>
    key === 'metadata'
      ? []
      : schema instanceof z.ZodObject
        ? Object.entries(schema.shape).map(([field, leaf]) => [
            `${key}.${field}`,
            scalarType(leaf as z.ZodType),
          ])
        : [[key, scalarType(schema)]],
  ),
);

function scalar(pair: string, path: string, raw: string): string | number | boolean {
  const type = path.startsWith('metadata.') ? 'string' : SETTABLE.get(path);
  if (type === undefined)
    throw new UsageError(
      `--set: ${JSON.stringify(path)} is not a field; use one of ${[...SETTABLE.keys()].join(', ')}, metadata.<key>`,
    );
  if (type === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new UsageError(`--set: ${JSON.stringify(pair)} needs a number`);
    return Number(raw);
  }
  if (type === 'boolean') {
    if (raw !== 'true' && raw !== 'false')
      throw new UsageError(`--set: ${JSON.stringify(pair)} needs true or false`);
    return raw === 'true';
  }
  return raw;
}

/** `--set path=value` pairs merged into `base` (the layer read, for `set`; nothing, for a bulk patch). */
export function layerFromSets(pairs: readonly string[], base: ConfigurationLayer = {}): ConfigurationLayer {
  let layer = base;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new UsageError(`--set: ${JSON.stringify(pair)} must be path=value, e.g. logLevel=debug`);
    const path = pair.slice(0, eq);
    const value = scalar(pair, path, pair.slice(eq + 1));
    const [head, field] = [path.slice(0, path.indexOf('.')), path.slice(path.indexOf('.') + 1)];
    const one = path.includes('.') ? { [head]: { [field]: value } } : { [path]: value };
    layer = mergeLayers(layer, one as ConfigurationLayer);
  }
  return layer;
}

export interface ChangeFlags {
  readonly file?: string;
  readonly set?: readonly string[];
}

/** The document a change sends: the --file, or --set pairs over `base`. */
export function changedDocument(flags: ChangeFlags, base?: ConfigurationLayer): ConfigurationLayer {
  if ((flags.file === undefined) === (flags.set === undefined))
    throw new UsageError('give either --file or --set');
  return flags.file !== undefined
    ? (readJsonObjectFile('--file', flags.file) as ConfigurationLayer)
    : layerFromSets(flags.set ?? [], base);
}

export interface BulkFlags extends ChangeFlags {
  readonly agents?: string;
  readonly group?: string;
  readonly selector?: string;
  readonly reason?: string;
}

/** The BulkUpdateAgentConfiguration request the flags describe. */
export function bulkRequestBody(flags: BulkFlags): Record<string, unknown> {
  const targets = [flags.agents, flags.group, flags.selector].filter((t) => t !== undefined);
  if (targets.length !== 1) throw new UsageError('give exactly one of --agents, --group, --selector');
  const target =
    flags.agents !== undefined
      ? { kind: 'agents', agentIds: commaAgentIds(flags.agents) }
      : flags.group !== undefined
        ? { kind: 'group', groupId: agentId('--group', flags.group) }
        : { kind: 'selector', labels: selector('--selector', flags.selector ?? '') };
  return { target, patch: changedDocument(flags), ...reasonOf(flags) };
}

function commaAgentIds(list: string): string[] {
  const ids = list.split(',').filter((id) => id.trim() !== '');
  if (ids.length === 0) throw new UsageError('--agents: give at least one agent id');
  return ids.map((id) => agentId('--agents', id.trim()));
}

export const reasonOf = (flags: { reason?: string }) =>
  flags.reason === undefined ? {} : { reason: text('--reason', flags.reason, 512) };

/** A document's fields as `path value` rows (sections and metadata flattened). */
export function fieldRows(document: object, prefix = ''): { field: string; value: string }[] {
  return Object.entries(document).flatMap(([key, value]) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? fieldRows(value, `${prefix}${key}.`)
      : [{ field: `${prefix}${key}`, value: typeof value === 'string' ? value : JSON.stringify(value) }],
  );
}
