// Maintenance mode: while on, commands other than emergencies are held (stay
// queued, not sent to agents); turning it off releases them. Starts from
// MAINTENANCE_MODE; switched through the admin API (audited). Held in memory by
// each instance (a shared switch arrives with the scale-out backends).
import { z } from 'zod';
import type { Clock } from '../../shared/clock.js';
import { validate } from '../agents/agent.js';
import type { Auditor, RequestContext } from '../audit/audited.js';

export interface MaintenanceState {
  readonly enabled: boolean;
  readonly since: number | null;
  readonly by: string | null;
  readonly reason: string | null;
}

export const maintenanceRequestSchema = z
  .object({
    enabled: z.boolean(),
    reason: z.string().trim().min(1).max(512, 'must be at most 512 characters').optional(),
  })
  .strict();

export class MaintenanceMode {
  private state: MaintenanceState;
  private readonly listeners = new Set<(state: MaintenanceState) => void>();

  constructor(
    private readonly auditor: Auditor,
    private readonly clock: Clock,
    initiallyEnabled: boolean,
  ) {
    this.state = initiallyEnabled
      ? { enabled: true, since: clock.now(), by: 'MAINTENANCE_MODE', reason: 'set at start' }
      : { enabled: false, since: null, by: null, reason: null };
  }

  get current(): MaintenanceState {
    return this.state;
  }

  onChange(listener: (state: MaintenanceState) => void): void {
    this.listeners.add(listener);
  }

  async set(context: RequestContext, body: unknown): Promise<MaintenanceState> {
    const next = await this.auditor.run(
      context,
      { action: 'maintenance.set', targetKind: 'instance', targetId: null },
      async () => {
        const request = validate(maintenanceRequestSchema, body);
        return request.enabled
          ? {
              enabled: true,
              since: this.clock.now(),
              by: context.principal.actor,
              reason: request.reason ?? null,
            }
          : { enabled: false, since: null, by: null, reason: null };
      },
      (state) => ({ details: { enabled: state.enabled, reason: state.reason } }),
    );
    const changed = next.enabled !== this.state.enabled;
    this.state = next;
    if (changed) for (const listener of this.listeners) listener(next);
    return next;
  }
}
