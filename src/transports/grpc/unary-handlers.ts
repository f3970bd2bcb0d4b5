// The unary RPCs of corral.agent.v1.AgentService: Enroll, Authenticate,
// RefreshSession, TerminateSession, Heartbeat.
import type { AgentService } from '../../features/agents/agent-service.js';
import type { FleetTracker } from '../../features/health/fleet-tracker.js';
import type { SessionService } from '../../features/sessions/session-service.js';
import { assertActsFor } from '../../features/sessions/session.js';
import type { Clock } from '../../shared/clock.js';
import { unauthenticated } from '../../shared/errors.js';
import type { AgentServiceHandlers } from '../../gen/proto/corral/agent/v1/AgentService.js';
import type { AgentSettings } from '../../gen/proto/corral/agent/v1/AgentSettings.js';
import { bearerToken, unary, type HandlerDeps } from './call-context.js';
import type { StreamHub } from './stream-hub.js';
import { factsFromWire, heartbeatFromWire } from './wire-mapping.js';

export interface UnaryDeps extends HandlerDeps {
  readonly agents: AgentService;
  readonly sessions: SessionService;
  readonly tracker: FleetTracker;
  readonly hub: StreamHub;
  readonly clock: Clock;
  readonly settings: AgentSettings;
}

export function unaryHandlers(deps: UnaryDeps): Omit<AgentServiceHandlers, 'Connect'> {
  return {
    Enroll: unary('Enroll', deps, async (call) => {
      const { enrollmentSecret, facts, credential, enrollmentNonce } = call.request;
      const result = await deps.agents.enroll({
        enrollmentSecret,
        agentId: facts?.agentId ?? '',
        facts: factsFromWire(facts),
        credential,
        enrollmentNonce,
      });
      return {
        agentId: result.agentId,
        credential: result.credential ?? '',
        reEnrolled: result.reEnrolled,
        settings: deps.settings,
      };
    }),

    Authenticate: unary('Authenticate', deps, async (call) => {
      const issued = await deps.sessions.authenticate(
        call.request.agentId,
        call.request.credential,
        call.getPeer(),
      );
      return {
        session: { sessionId: issued.session.id, token: issued.token, expiresAtMs: issued.session.expiresAt },
        settings: deps.settings,
      };
    }),

    RefreshSession: unary('RefreshSession', deps, async (call) => {
      const issued = await deps.sessions.refresh(bearerToken(call.metadata));
      deps.hub.sessionRefreshed(issued.session.agentId, issued.session.expiresAt);
      return {
        session: { sessionId: issued.session.id, token: issued.token, expiresAtMs: issued.session.expiresAt },
      };
    }),

    TerminateSession: unary('TerminateSession', deps, async (call) => {
      await deps.sessions.terminate(
        bearerToken(call.metadata),
        call.request.reason.slice(0, 200) || 'terminated_by_agent',
      );
      return {};
    }),

    Heartbeat: unary('Heartbeat', deps, async (call) => {
      const session = await deps.sessions.validate(bearerToken(call.metadata));
      const sample = heartbeatFromWire(call.request.heartbeat, 'heartbeat', deps.clock.now());
      assertActsFor(session.agentId, call.request.heartbeat?.agentId ?? '');
      const agent = await deps.tracker.attach(session.agentId);
      if (!agent) throw unauthenticated('agent is not enrolled (unregistered?); enroll again');
      const outcome = deps.tracker.recordHeartbeat(agent, sample);
      // Answer once the heartbeat is stored, like the stream's cumulative acks.
      await deps.tracker.durable();
      return { ack: { sequence: outcome.sequence, health: agent.health.current }, settings: deps.settings };
    }),
  };
}
