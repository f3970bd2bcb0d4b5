// Test support for dispatch and placement over real services (app/test-services.ts): a CommandLink that
// records what dispatch asked of the agent streams (the port the gRPC stream hub implements), and helpers
// that create commands, put agents online and connected, play their reports and drain the group commit.
import { DEFAULT_SCHEDULING_SETTINGS, type SchedulingSettings } from '../../app/create-command-services.js';
import { enrollTestAgent, openTestServices, type TestServices } from '../../app/test-services.js';
import { FakeClock } from '../../shared/clock.js';
import type { HeartbeatSample } from '../health/health-model.js';
import type { AgentReport } from './agent-reports.js';
import type { AgentPhase, CommandLink } from './command-link.js';
import type { Command } from './command.js';

export class RecordingLink implements CommandLink {
  readonly deliveries: { agentId: string; commands: Command[] }[] = [];
  readonly cancels: { agentId: string; commandId: string; reason: string }[] = [];
  readonly confirmed: { agentId: string; receipts: { commandId: string; phase: AgentPhase }[] }[] = [];

  deliver(agentId: string, commands: readonly Command[]): boolean {
    this.deliveries.push({ agentId, commands: [...commands] });
    return true;
  }

  cancel(agentId: string, commandId: string, reason: string): void {
    this.cancels.push({ agentId, commandId, reason });
  }

  confirmUpdates(agentId: string, receipts: readonly { commandId: string; phase: AgentPhase }[]): void {
    this.confirmed.push({ agentId, receipts: [...receipts] });
  }

  /** Ids sent, in order, to one agent (or to any). */
  deliveredIds(agentId?: string): string[] {
    return this.deliveries
      .filter((d) => agentId === undefined || d.agentId === agentId)
      .flatMap((d) => d.commands.map((c) => c.id));
  }
}

export interface DispatchHarness {
  readonly t: TestServices;
  readonly clock: FakeClock;
  readonly link: RecordingLink;
  /** What the dispatch observer was told: type, terminal status, seconds. */
  readonly finished: [string, string, number][];
  /** Background failures of the dispatcher and the scheduler (expected to stay empty). */
  readonly errors: unknown[];
}

export async function openDispatchHarness(
  scheduling: Partial<SchedulingSettings> = {},
): Promise<DispatchHarness> {
  const clock = new FakeClock();
  const link = new RecordingLink();
  const finished: [string, string, number][] = [];
  const errors: unknown[] = [];
  const t = await openTestServices({
    clock,
    commandLink: () => link,
    scheduling: { ...DEFAULT_SCHEDULING_SETTINGS, ...scheduling },
    commandObserver: { finished: (type, status, seconds) => finished.push([type, status, seconds]) },
    onBackgroundError: (_task, error) => errors.push(error),
  });
  return { t, clock, link, finished, errors };
}

/**
 * Lets placement and the group commit run to rest: each flush takes what the one before left dirty (a
 * freed slot is filled by the next flush), so a few rounds cover report → stored → next delivery.
 */
export async function settle(t: TestServices): Promise<void> {
  for (let round = 0; round < 4; round++) {
    await t.services.scheduler.settled();
    await t.services.dispatcher.flush();
  }
}

/** The agent's stream opens here (it gets a lane), stating `capacity` (0: none stated). */
export async function connect(t: TestServices, agentId: string, capacity = 0): Promise<void> {
  t.services.dispatcher.agentConnected(agentId);
  t.services.dispatcher.capacityStated(agentId, capacity);
  await settle(t);
}

/** Stores the agent as online (as its stream opening does), optionally with a heartbeat at `cpuPercent`. */
export async function bringOnline(t: TestServices, agentId: string, cpuPercent?: number): Promise<void> {
  const live = await t.services.tracker.attach(agentId);
  if (!live) throw new Error(`agent ${agentId} is not enrolled`);
  t.services.tracker.streamOpened(live);
  if (cpuPercent !== undefined) t.services.tracker.recordHeartbeat(live, heartbeatSample(t, cpuPercent));
  await t.services.tracker.flush();
}

export function heartbeatSample(t: TestServices, cpuPercent: number): HeartbeatSample {
  const now = t.clock.now();
  return {
    sequence: now,
    sentAtMs: now,
    receivedAtMs: now,
    cpuPercent,
    memoryPercent: 20,
    memoryRssBytes: 1000,
    load1: 0.5,
    queueDepth: 0,
    errorCount: 0,
    uptimeSeconds: 1,
    appliedConfigRevision: '',
    appliedPolicyRevision: '',
    metrics: {},
  };
}

/** Enrolls an agent with these capabilities, stores it online and connects it here. */
export async function capableAgent(
  t: TestServices,
  agentId: string,
  options: {
    capabilities?: string[];
    labels?: Record<string, string>;
    capacity?: number;
    connected?: boolean;
    cpuPercent?: number;
  } = {},
): Promise<void> {
  await enrollTestAgent(t, agentId, {
    capabilities: options.capabilities ?? ['scan'],
    labels: options.labels ?? {},
  });
  await bringOnline(t, agentId, options.cpuPercent);
  if (options.connected !== false) await connect(t, agentId, options.capacity ?? 0);
}

/** Creates a command (as the test admin) for one agent. */
export async function commandFor(
  t: TestServices,
  agentId: string,
  extra: Record<string, unknown> = {},
): Promise<Command> {
  const created = await t.services.commands.create(t.admin, {
    type: 'ping',
    target: { kind: 'agent', agentId },
    ...extra,
  });
  return created.command;
}

/** An agent's report: a receipt when `phase` is undefined. */
export function report(
  t: TestServices,
  agentId: string,
  commandId: string,
  phase?: AgentPhase,
  extra: Omit<AgentReport, 'agentId' | 'commandId' | 'phase'> = {},
): void {
  t.services.dispatcher.report({ agentId, commandId, ...(phase === undefined ? {} : { phase }), ...extra });
}

export async function statusOf(t: TestServices, id: string): Promise<string> {
  return (await t.services.commands.get(id)).status;
}

/** command_status_changed events of one command, oldest first. */
export async function statusEvents(t: TestServices, commandId: string) {
  const page = await t.backends.db.events.list(
    { types: ['command_status_changed'], subjectId: commandId },
    { limit: 100, order: 'asc' },
  );
  return page.items.map((e) => ({ actor: e.actor, ...e.data }));
}
