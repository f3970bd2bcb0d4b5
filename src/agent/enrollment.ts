// The first step of every agent start: use the stored identity, or enroll with
// the enrollment secret and store the credential the server returns (it is
// shown only once, so failing to store it is fatal and said loudly).
import type { AgentFacts } from '../gen/proto/corral/agent/v1/AgentFacts.js';
import type { Clock } from '../shared/clock.js';
import { CorralError, ErrorCode } from '../shared/errors.js';
import { enrollmentError } from './agent-errors.js';
import type { AgentRpc } from './agent-rpc.js';
import type { AgentIdentity, IdentityStore } from './identity-store.js';

export interface EnrollmentOptions {
  readonly rpc: AgentRpc;
  readonly store: IdentityStore;
  readonly facts: AgentFacts;
  readonly enrollmentSecret: string | undefined;
  /**
   * Chosen once per agent process and sent with every enrollment attempt, so
   * that an attempt whose answer was lost (a deadline passed while the server
   * committed it) can be retried: the server answers it again with a new
   * credential instead of ALREADY_EXISTS.
   */
  readonly enrollmentNonce: string;
  readonly serverAddress: string;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
}

export interface EnrollmentResult {
  readonly identity: AgentIdentity;
  /** Whether this call enrolled (rather than finding a stored identity). */
  readonly enrolled: boolean;
}

/**
 * Returns the agent's identity, enrolling first when there is none. Rejects
 * with a CorralError when retrying cannot help, and with the call's error when
 * it can.
 */
export async function loadOrEnroll(options: EnrollmentOptions): Promise<EnrollmentResult> {
  const { rpc, store, facts, enrollmentSecret, clock } = options;
  const stored = await store.load();
  if (stored) {
    if (facts.agentId && facts.agentId !== stored.agentId) {
      throw new CorralError(
        ErrorCode.PreconditionFailed,
        `the stored identity belongs to agent ${JSON.stringify(stored.agentId)}, not ${JSON.stringify(facts.agentId)}; ` +
          'use another state directory or drop the agent id option',
      );
    }
    return { identity: stored, enrolled: false };
  }
  if (!enrollmentSecret) {
    throw new CorralError(
      ErrorCode.PreconditionFailed,
      'the agent is not enrolled yet and no enrollment secret was given',
    );
  }
  let response;
  try {
    response = await rpc.enroll(
      { enrollmentSecret, facts, enrollmentNonce: options.enrollmentNonce },
      options.signal,
    );
  } catch (error) {
    throw enrollmentError(error) ?? error;
  }
  if (!response.agentId || !response.credential) {
    throw new CorralError(
      ErrorCode.PreconditionFailed,
      `enrollment of ${JSON.stringify(response.agentId || facts.agentId)} returned no credential ` +
        '(is the agent id already enrolled? restore its identity or choose another id)',
    );
  }
  const identity: AgentIdentity = {
    agentId: response.agentId,
    credential: response.credential,
    serverAddress: options.serverAddress,
    enrolledAt: new Date(clock.now()).toISOString(),
  };
  try {
    await store.save(identity);
  } catch (error) {
    throw new CorralError(
      ErrorCode.PreconditionFailed,
      `enrolled as ${JSON.stringify(identity.agentId)} but could not store the credential ` +
        `(${error instanceof Error ? error.message : String(error)}); it cannot be recovered: ` +
        'unregister the agent on the server and enroll again',
      { cause: error },
    );
  }
  return { identity, enrolled: true };
}
