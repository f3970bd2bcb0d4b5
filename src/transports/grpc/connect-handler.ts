// The Connect stream: authenticate by session token, register with the hub,
// acknowledge, then take heartbeats until the agent, the session or the
// server ends it. A malformed message ends this stream with INVALID_ARGUMENT;
// it never reaches the store.
import type { FleetTracker, LiveAgent } from '../../features/health/fleet-tracker.js';
import type { SessionService } from '../../features/sessions/session-service.js';
import { assertActsFor } from '../../features/sessions/session.js';
import type { Clock } from '../../shared/clock.js';
import { isCorralError, resourceExhausted, unauthenticated, unavailable } from '../../shared/errors.js';
import type { AgentMessage__Output } from '../../gen/proto/corral/agent/v1/AgentMessage.js';
import type { AgentSettings } from '../../gen/proto/corral/agent/v1/AgentSettings.js';
import { AgentStream, type ConnectCall } from './agent-stream.js';
import { bearerToken, type HandlerDeps } from './call-context.js';
import type { StreamHub } from './stream-hub.js';
import { toGrpcError } from './status.js';
import { heartbeatFromWire } from './wire-mapping.js';
import { receiptsFromWire, updatesFromWire } from './command-wire.js';
import type { CommandDispatcher } from '../../features/commands/command-dispatcher.js';
import type { DesiredStateDistributor } from '../../features/configuration/desired-state-distributor.js';
import { applyReportFromWire } from './desired-state-wire.js';
import { refuseNulCharacters } from '../../shared/nul-characters.js';

export interface ConnectDeps extends HandlerDeps {
  readonly sessions: SessionService;
  readonly tracker: FleetTracker;
  readonly hub: StreamHub;
  readonly clock: Clock;
  readonly instanceId: string;
  readonly settings: AgentSettings;
  readonly maxStreams: number;
  readonly maxQueuedPerStream: number;
  /** Warn the agent this long before its session ends. */
  readonly expiryNoticeMs: number;
  readonly commands: CommandDispatcher;
  readonly desiredState: DesiredStateDistributor;
}

const METHOD = 'Connect';
/** Messages an agent may send before its stream is authenticated; more are dropped. */
const MAX_EARLY_MESSAGES = 16;

export function connectHandler(deps: ConnectDeps) {
  return (call: ConnectCall): void => {
    deps.metrics.grpcRequests.inc({ method: METHOD });
    const reject = (error: unknown) => {
      const status = toGrpcError(error);
      deps.metrics.grpcErrors.inc({ method: METHOD, code: String(status.code) });
      call.emit('error', status);
    };
    // Messages may arrive before authentication completes; hold a few until then.
    const early: AgentMessage__Output[] = [];
    const holdEarly = (message: AgentMessage__Output) => {
      if (early.length < MAX_EARLY_MESSAGES) early.push(message);
    };
    call.on('data', holdEarly);
    call.on('error', () => undefined);

    open(call, deps).then(
      ({ stream, agent }) => {
        call.off('data', holdEarly);
        const session = new StreamSession(stream, agent, deps);
        for (const message of early) session.onMessage(message);
        call.on('data', (message: AgentMessage__Output) => session.onMessage(message));
      },
      (error: unknown) => {
        if (!isCorralError(error)) deps.logger.error({ err: error }, 'failed to open agent stream');
        reject(error);
      },
    );
  };
}

async function open(
  call: ConnectCall,
  deps: ConnectDeps,
): Promise<{ stream: AgentStream; agent: LiveAgent }> {
  if (deps.hub.isDraining) throw resourceExhausted('server is draining; connect to another instance', 1000);
  if (deps.hub.connectedCount() >= deps.maxStreams)
    throw resourceExhausted('this instance holds its maximum number of agent streams', 5000);
  const session = await deps.sessions.validate(bearerToken(call.metadata));
  const agent = await deps.tracker.attach(session.agentId);
  if (!agent) throw unauthenticated('agent is not enrolled (unregistered?); enroll again');
  // The agent may have gone while we authenticated; registering it now would leave it "online" forever.
  if (call.cancelled || call.destroyed) throw unavailable('the stream closed before it was authenticated');
  const stream = new AgentStream(
    session.agentId,
    session.id,
    session.expiresAt,
    call,
    deps.maxQueuedPerStream,
  );
  deps.hub.register(stream);
  deps.tracker.streamOpened(agent);
  const cleanup = () => {
    if (stream.isClosed && !deps.hub.get(stream.agentId)) return;
    stream.markClosed();
    if (deps.hub.remove(stream)) {
      deps.tracker.streamClosed(agent);
      deps.commands.agentDisconnected(agent.id);
      deps.desiredState.agentDisconnected(agent.id);
    }
  };
  call.on('end', () => {
    cleanup();
    call.end();
  });
  call.on('cancelled', cleanup);
  call.on('close', cleanup);
  stream.send({
    connectAck: {
      agentId: session.agentId,
      sessionId: session.id,
      serverInstance: deps.instanceId,
      settings: deps.settings,
      serverTimeMs: deps.clock.now(),
    },
  });
  scheduleExpiry(stream, deps);
  // Whatever is still owed to this agent (queued, or sent and never acknowledged) goes out now.
  deps.commands.agentConnected(session.agentId);
  // Its configuration and policy set go out too (the agent reports what it applied).
  deps.desiredState.agentConnected(session.agentId);
  return { stream, agent };
}

/** Warns before the session ends and ends the stream when it has; follows refreshes. */
function scheduleExpiry(stream: AgentStream, deps: ConnectDeps): void {
  let warnedFor = 0;
  const check = () => {
    const now = deps.clock.now();
    const expiresAt = stream.sessionExpiresAt;
    if (expiresAt <= now) {
      stream.fail(unauthenticated('session expired; authenticate again'));
      return;
    }
    const noticeAt = expiresAt - deps.expiryNoticeMs;
    if (now >= noticeAt && warnedFor !== expiresAt) {
      warnedFor = expiresAt;
      stream.send({ sessionExpiring: { expiresAtMs: expiresAt } });
    }
    stream.watchExpiry(warnedFor === expiresAt ? expiresAt - now : noticeAt - now, check);
  };
  check();
}

class StreamSession {
  constructor(
    private readonly stream: AgentStream,
    private readonly agent: LiveAgent,
    private readonly deps: ConnectDeps,
  ) {}

  onMessage(message: AgentMessage__Output): void {
    if (this.stream.isClosed) return;
    try {
      refuseNulCharacters(message, '');
      switch (message.kind) {
        case 'heartbeat':
          this.onHeartbeat(message);
          return;
        case 'commandReceipts':
          this.deps.metrics.streamMessages.inc({ direction: 'in', kind: 'command_receipts' });
          for (const report of receiptsFromWire(this.agent.id, message.commandReceipts))
            this.deps.commands.report(report);
          return;
        case 'commandUpdates':
          this.deps.metrics.streamMessages.inc({ direction: 'in', kind: 'command_updates' });
          for (const report of updatesFromWire(this.agent.id, message.commandUpdates))
            this.deps.commands.report(report);
          return;
        case 'configurationReport':
          this.deps.metrics.streamMessages.inc({ direction: 'in', kind: 'configuration_report' });
          this.deps.desiredState.report(
            applyReportFromWire(this.agent.id, 'config', message.configurationReport),
          );
          return;
        case 'policyReport':
          this.deps.metrics.streamMessages.inc({ direction: 'in', kind: 'policy_report' });
          this.deps.desiredState.report(applyReportFromWire(this.agent.id, 'policy', message.policyReport));
          return;
        default:
          // A kind this server does not know (a newer agent): ignore it.
          this.deps.metrics.streamMessages.inc({ direction: 'in', kind: 'unknown' });
      }
    } catch (error) {
      const status = toGrpcError(error);
      this.deps.metrics.grpcErrors.inc({ method: METHOD, code: String(status.code) });
      if (!isCorralError(error))
        this.deps.logger.error({ err: error, agentId: this.agent.id }, 'failed to handle agent message');
      this.stream.fail(error);
    }
  }

  private onHeartbeat(message: AgentMessage__Output): void {
    this.deps.metrics.streamMessages.inc({ direction: 'in', kind: 'heartbeat' });
    const sample = heartbeatFromWire(message.heartbeat ?? null, 'heartbeat', this.deps.clock.now());
    assertActsFor(this.agent.id, message.heartbeat?.agentId ?? '');
    // The HeartbeatAck follows from the hub once the next flush has made it durable.
    this.deps.tracker.recordHeartbeat(this.agent, sample);
    this.deps.commands.capacityStated(this.agent.id, message.heartbeat?.commandCapacity ?? 0);
  }
}
