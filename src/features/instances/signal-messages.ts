// The signals instances send each other (ADR 0017), as instance messages.
// Each names work that is already in the store; the receiver reads it from
// there. Two are operator requests for the receiving instance itself (drain,
// resume), routed so that any instance's admin API can make them. Bodies are checked on arrival: a message from a newer or broken
// sender is dropped, not half-applied.
import { z } from 'zod';
import type { InstanceMessage } from '../../infra/bus/instance-messenger.js';
import type { ConfigurationChange } from '../configuration/configuration-service.js';

export const SignalKind = {
  /** These agents (held by the receiver) have new commands in the store. */
  AgentsHaveWork: 'agents_have_work',
  /** Cancels were requested for these commands, out on agents the receiver holds. */
  CancelRequested: 'cancel_requested',
  /** Capability children wait unplaced in the store. */
  CapabilityWork: 'capability_work',
  /** Desired state changed for these agents (or all). */
  DesiredStateChanged: 'desired_state_changed',
  /** An operator asked the receiver to drain (move its agents to other instances). */
  DrainRequested: 'drain_requested',
  /** An operator asked the receiver to serve again. */
  ResumeRequested: 'resume_requested',
} as const;

const ID = z.string().min(1).max(200);

const agentsHaveWork = z.object({ agentIds: z.array(ID).max(100_000) });
const cancelRequested = z.object({
  reason: z.string().max(2000),
  commands: z.array(z.object({ id: ID, agentId: ID })).max(100_000),
});
const operatorRequest = z.object({ by: z.string().min(1).max(200) });
const desiredStateChanged = z.object({
  change: z.union([z.object({ all: z.literal(true) }), z.object({ agentIds: z.array(ID).max(100_000) })]),
});

export type Signal =
  | { readonly kind: 'agents_have_work'; readonly agentIds: readonly string[] }
  | {
      readonly kind: 'cancel_requested';
      readonly reason: string;
      readonly commands: readonly { readonly id: string; readonly agentId: string }[];
    }
  | { readonly kind: 'capability_work' }
  | { readonly kind: 'desired_state_changed'; readonly change: ConfigurationChange }
  /** `by`: the operator (API key actor) who asked. */
  | { readonly kind: 'drain_requested' | 'resume_requested'; readonly by: string };

export function signalMessage(signal: Signal): InstanceMessage {
  const { kind, ...data } = signal;
  return { kind, data };
}

/** The signal a message carries; undefined when it is not one this version knows. */
export function parseSignal(message: InstanceMessage): Signal | undefined {
  switch (message.kind) {
    case SignalKind.AgentsHaveWork: {
      const data = agentsHaveWork.safeParse(message.data);
      return data.success ? { kind: message.kind, agentIds: data.data.agentIds } : undefined;
    }
    case SignalKind.CancelRequested: {
      const data = cancelRequested.safeParse(message.data);
      return data.success ? { kind: message.kind, ...data.data } : undefined;
    }
    case SignalKind.CapabilityWork:
      return { kind: message.kind };
    case SignalKind.DesiredStateChanged: {
      const data = desiredStateChanged.safeParse(message.data);
      return data.success ? { kind: message.kind, change: data.data.change } : undefined;
    }
    case SignalKind.DrainRequested:
    case SignalKind.ResumeRequested: {
      const data = operatorRequest.safeParse(message.data);
      return data.success ? { kind: message.kind, by: data.data.by } : undefined;
    }
    default:
      return undefined;
  }
}
