// The operator's view of the instances sharing a fleet, and drain / resume of
// any one of them through any instance's admin API (ADR 0017, "Operator
// drain"): a request for this instance is applied here; one for another live
// instance is sent to it as a signal and applied when it arrives. Both are
// admin mutations, audited whatever the outcome; an instance that is not live
// (unknown, stopped, or its presence expired) is not_found.
import type { LiveInstance, Presence } from '../../infra/coordination/presence.js';
import { notFound } from '../../shared/errors.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import { InstanceState, type InstanceDrain } from './instance-drain.js';
import type { InstanceSignals } from './instance-signals.js';

export interface InstanceView extends LiveInstance {
  readonly state: InstanceState;
}

export interface InstanceRequest {
  readonly instanceId: string;
  /** The state asked for: reached at once here, or when the named instance receives the request. */
  readonly state: InstanceState;
}

export interface InstanceAdminDeps {
  readonly instanceId: string;
  readonly presence: Pick<Presence, 'liveInstances'>;
  readonly drain: InstanceDrain;
  readonly signals: Pick<InstanceSignals, 'tell'>;
  readonly auditor: Auditor;
}

/** The state an instance's presence entry states (entries of older versions carry none: serving). */
export const stateOf = (instance: Pick<LiveInstance, 'draining'>): InstanceState =>
  instance.draining === true ? InstanceState.Draining : InstanceState.Serving;

export class InstanceAdmin {
  constructor(private readonly deps: InstanceAdminDeps) {}

  /** Live instances by id, with their state; this one's state as it is now, not as last published. */
  async list(): Promise<InstanceView[]> {
    const instances = await this.deps.presence.liveInstances();
    return instances
      .map((instance) => ({
        ...instance,
        state:
          instance.instanceId === this.deps.instanceId ? this.deps.drain.current.state : stateOf(instance),
      }))
      .sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  }

  drain(context: RequestContext, instanceId: string): Promise<InstanceRequest> {
    return this.request(context, instanceId, InstanceState.Draining);
  }

  resume(context: RequestContext, instanceId: string): Promise<InstanceRequest> {
    return this.request(context, instanceId, InstanceState.Serving);
  }

  private request(
    context: RequestContext,
    instanceId: string,
    state: InstanceState,
  ): Promise<InstanceRequest> {
    const draining = state === InstanceState.Draining;
    const here = instanceId === this.deps.instanceId;
    return this.deps.auditor.run(
      context,
      {
        action: draining ? 'instance.drain' : 'instance.resume',
        targetKind: 'instance',
        targetId: instanceId,
        details: { routed: here ? 'local' : 'signal' },
      },
      async () => {
        const by = context.principal.actor;
        if (here) {
          if (draining) this.deps.drain.drain(by);
          else this.deps.drain.resume();
        } else {
          const live = await this.deps.presence.liveInstances();
          if (!live.some((instance) => instance.instanceId === instanceId))
            throw notFound('instance', instanceId);
          // A messenger that finds no listener for the id answers not_found as well.
          await this.deps.signals.tell(instanceId, {
            kind: draining ? 'drain_requested' : 'resume_requested',
            by,
          });
        }
        return { instanceId, state };
      },
    );
  }
}
