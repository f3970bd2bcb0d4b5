// Maintenance mode: while on, commands other than emergencies are held (stay
// queued, not sent to agents); turning it off releases them. One switch for the
// whole fleet: kept in the store (fleet_settings), so every instance sharing it
// agrees and it survives restarts. Switched through the admin API (audited);
// the instance that switches it acts at once, the others when they next
// refresh() (every couple of seconds). MAINTENANCE_MODE=true switches it on
// when an instance starts; unset, an instance adopts what is stored.
import { z } from 'zod';
import type { Clock } from '../../shared/clock.js';
import { validate } from '../agents/agent.js';
import { SYSTEM_PRINCIPAL } from '../api-keys/api-key.js';
import type { Auditor, RequestContext } from '../audit/audited.js';
import type { Database } from '../../infra/store/stores.js';

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
  private state: MaintenanceState = OFF;
  private readonly listeners = new Set<(state: MaintenanceState) => void>();

  constructor(
    private readonly db: Database,
    private readonly auditor: Auditor,
    private readonly clock: Clock,
    /** MAINTENANCE_MODE: switch it on at start (held at once; stored by load()). */
    private readonly onAtStart: boolean,
  ) {
    if (onAtStart)
      this.state = { enabled: true, since: clock.now(), by: 'MAINTENANCE_MODE', reason: 'set at start' };
  }

  get current(): MaintenanceState {
    return this.state;
  }

  onChange(listener: (state: MaintenanceState) => void): void {
    this.listeners.add(listener);
  }

  /** At start: stores MAINTENANCE_MODE=true for the fleet (audited as system), or adopts what is stored. */
  async load(): Promise<void> {
    if (!this.onAtStart) return this.refresh();
    const stored = await this.read();
    if (stored?.enabled) return this.adopt(stored);
    await this.write({ principal: SYSTEM_PRINCIPAL, requestId: null }, this.state);
  }

  /** Adopts the fleet's switch as stored (another instance may have moved it). */
  async refresh(): Promise<void> {
    this.adopt((await this.read()) ?? OFF);
  }

  async set(context: RequestContext, body: unknown): Promise<MaintenanceState> {
    const request = (): MaintenanceState => {
      const parsed = validate(maintenanceRequestSchema, body);
      return parsed.enabled
        ? {
            enabled: true,
            since: this.clock.now(),
            by: context.principal.actor,
            reason: parsed.reason ?? null,
          }
        : OFF;
    };
    const next = await this.write(context, request);
    this.adopt(next);
    return next;
  }

  private async write(
    context: RequestContext,
    next: MaintenanceState | (() => MaintenanceState),
  ): Promise<MaintenanceState> {
    return this.auditor.run(
      context,
      { action: 'maintenance.set', targetKind: 'fleet', targetId: null },
      async (stores) => {
        const state = typeof next === 'function' ? next() : next;
        await stores.fleetSettings.put(SETTING, {
          value: state,
          updatedAt: this.clock.now(),
          updatedBy: context.principal.actor,
        });
        return state;
      },
      (state) => ({ details: { enabled: state.enabled, reason: state.reason } }),
    );
  }

  private async read(): Promise<MaintenanceState | undefined> {
    const stored = await this.db.fleetSettings.get(SETTING);
    if (stored === undefined) return undefined;
    const parsed = storedStateSchema.safeParse(stored.value);
    // Written only by this class; anything else is ignored rather than trusted.
    return parsed.success ? parsed.data : undefined;
  }

  private adopt(next: MaintenanceState): void {
    const changed = next.enabled !== this.state.enabled;
    this.state = next;
    if (changed) for (const listener of this.listeners) listener(next);
  }
}

const SETTING = 'maintenance';
const OFF: MaintenanceState = { enabled: false, since: null, by: null, reason: null };
const storedStateSchema = z.strictObject({
  enabled: z.boolean(),
  since: z.number().nullable(),
  by: z.string().nullable(),
  reason: z.string().nullable(),
});
