// Shared setup for the configuration service and distributor tests: real
// services on in-memory SQLite with a FakeClock, a recording DesiredStateLink,
// and readers for the events, audit entries and failures they leave.
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import type { ServiceOptions } from '../../app/create-services.js';
import { FakeClock } from '../../shared/clock.js';
import { CorralError } from '../../shared/errors.js';
import type { RequestContext } from '../audit/audited.js';
import type { EventType } from '../events/event.js';
import type { AgentConfiguration } from './agent-configuration.js';
import type { DesiredStateLink, EffectivePolicySet } from './desired-state-distributor.js';

export const FLEET = { kind: 'fleet' } as const;
export const agentScope = (id: string) => ({ kind: 'agent', id }) as const;

export const OPERATOR: RequestContext = {
  principal: { actor: 'api_key:op', name: 'op', role: 'operator' },
  requestId: 'r1',
};

export type Sent =
  | {
      readonly agentId: string;
      readonly kind: 'config';
      readonly hash: string;
      readonly config: AgentConfiguration;
    }
  | {
      readonly agentId: string;
      readonly kind: 'policy';
      readonly hash: string;
      readonly policies: readonly unknown[];
    };

/** A DesiredStateLink that records what it was asked to send. */
export class RecordingLink implements DesiredStateLink {
  sent: Sent[] = [];
  sendConfiguration(agentId: string, hash: string, config: AgentConfiguration): void {
    this.sent.push({ agentId, kind: 'config', hash, config });
  }
  sendPolicies(agentId: string, set: EffectivePolicySet): void {
    this.sent.push({ agentId, kind: 'policy', hash: set.hash, policies: set.policies });
  }
  /** What was sent since the last call. */
  take(): Sent[] {
    const taken = this.sent;
    this.sent = [];
    return taken;
  }
}

export interface ConfigurationTest {
  readonly t: TestServices;
  readonly clock: FakeClock;
  readonly link: RecordingLink;
  close(): Promise<void>;
}

export async function openConfigurationTest(
  agentIds: readonly string[],
  options: Partial<ServiceOptions> = {},
): Promise<ConfigurationTest> {
  const clock = new FakeClock();
  const link = new RecordingLink();
  const t = await openTestServices({ clock, desiredStateLink: () => link, ...options });
  for (const id of agentIds)
    await enrollTestAgent(t, id, { labels: { env: id.startsWith('p') ? 'prod' : 'dev' } });
  return { t, clock, link, close: () => t.close() };
}

export async function failure(promise: Promise<unknown>): Promise<CorralError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CorralError) return error;
    throw error;
  }
  throw new Error('expected a CorralError');
}

export const fieldsOf = async (promise: Promise<unknown>) =>
  (await failure(promise)).violations.map((v) => v.field);

export async function eventsOf(t: TestServices, type: EventType) {
  return (await t.backends.db.events.list({ types: [type] }, { limit: 500, order: 'asc' })).items;
}

export async function auditOf(t: TestServices, action: string) {
  return (await t.services.audit.list({ action }, { limit: 50 })).items.map((a) => [a.outcome, a.errorCode]);
}
