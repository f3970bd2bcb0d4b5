// Effective configuration from layers, its hash, and the difference between
// two documents. Pure functions (property-tested in layering.test.ts).
//
// Order: the built-in defaults, then the layers in the order given — the
// caller passes fleet, then groups from lowest to highest priority, then the
// agent — each field taking the value of the last layer that sets it.
// Sections (connectionLimits, …) merge field by field; metadata merges key by
// key, and a null value removes a key a lower layer set.
import { contentHash } from '../../shared/canonical-json.js';
import {
  BUILT_IN_DEFAULTS,
  SECTIONS,
  type AgentConfiguration,
  type ConfigurationLayer,
} from './agent-configuration.js';

export function effectiveConfiguration(layers: readonly ConfigurationLayer[]): AgentConfiguration {
  let config: AgentConfiguration = BUILT_IN_DEFAULTS;
  for (const layer of layers) config = overlay(config, layer);
  return config;
}

function overlay(base: AgentConfiguration, layer: ConfigurationLayer): AgentConfiguration {
  const next: AgentConfiguration = {
    ...base,
    ...(layer.logLevel === undefined ? {} : { logLevel: layer.logLevel }),
    ...(layer.reportIntervalSeconds === undefined
      ? {}
      : { reportIntervalSeconds: layer.reportIntervalSeconds }),
  };
  for (const section of SECTIONS) {
    const part = layer[section];
    if (part !== undefined) Object.assign(next, { [section]: { ...base[section], ...definedOnly(part) } });
  }
  if (layer.metadata !== undefined) {
    const metadata: Record<string, string> = { ...base.metadata };
    for (const [key, value] of Object.entries(layer.metadata)) {
      if (value === null) delete metadata[key];
      else metadata[key] = value;
    }
    next.metadata = metadata;
  }
  return next;
}

function definedOnly<T extends object>(part: T): Partial<T> {
  return Object.fromEntries(Object.entries(part).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/**
 * Two layers as one: `patch` over `base`, field by field (a patch that sets a
 * section field keeps the base's other fields of that section; metadata keys
 * merge, a null removes). effectiveConfiguration([merge(a, b)]) equals
 * effectiveConfiguration([a, b]).
 */
export function mergeLayers(base: ConfigurationLayer, patch: ConfigurationLayer): ConfigurationLayer {
  const merged: ConfigurationLayer = { ...base, ...definedOnly(patch) };
  for (const section of SECTIONS) {
    const [a, b] = [base[section], patch[section]];
    if (a !== undefined && b !== undefined) Object.assign(merged, { [section]: { ...a, ...definedOnly(b) } });
  }
  if (base.metadata !== undefined && patch.metadata !== undefined)
    merged.metadata = { ...base.metadata, ...patch.metadata };
  return merged;
}

/** What an agent is sent and reports back: sha256 of the canonical JSON. */
export const configurationHash = (config: AgentConfiguration): string => contentHash(config);

export interface DocumentChange {
  /** Dotted path, e.g. `connectionLimits.maxConnections`. */
  readonly path: string;
  /** Undefined when the field was absent before (added). */
  readonly from?: unknown;
  /** Undefined when the field is absent after (removed). */
  readonly to?: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Field-level differences between two JSON documents, in path order. */
export function diffDocuments(before: unknown, after: unknown, prefix = ''): DocumentChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffDocuments(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  if (
    contentHash(before ?? null) === contentHash(after ?? null) &&
    (before === undefined) === (after === undefined)
  )
    return [];
  return [
    {
      path: prefix,
      ...(before === undefined ? {} : { from: before }),
      ...(after === undefined ? {} : { to: after }),
    },
  ];
}
