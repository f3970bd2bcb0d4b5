// The agent's transport when it knows several server addresses: one gRPC
// client at a time, for the address the reconnect policy chose. Moving to
// another address closes the previous client (and so its connection), so an
// agent never holds sockets to servers it no longer uses; the session keeper
// and enrollment call through this object and follow the move unawares.
import type { AgentRpc, ConnectStream } from './agent-rpc.js';
import type { AuthenticateRequest } from '../gen/proto/corral/agent/v1/AuthenticateRequest.js';
import type { AuthenticateResponse__Output } from '../gen/proto/corral/agent/v1/AuthenticateResponse.js';
import type { EnrollRequest } from '../gen/proto/corral/agent/v1/EnrollRequest.js';
import type { EnrollResponse__Output } from '../gen/proto/corral/agent/v1/EnrollResponse.js';
import type { RefreshSessionResponse__Output } from '../gen/proto/corral/agent/v1/RefreshSessionResponse.js';

export class RotatingAgentRpc implements AgentRpc {
  private rpc: AgentRpc;
  private address: string;
  private closed = false;

  constructor(
    address: string,
    private readonly open: (address: string) => AgentRpc,
  ) {
    this.address = address;
    this.rpc = open(address);
  }

  /** The address calls go to now. */
  get serverAddress(): string {
    return this.address;
  }

  /** Sends the next calls to `address`; calls still in flight on the previous one are cancelled. */
  use(address: string): void {
    if (this.closed || address === this.address) return;
    this.rpc.close();
    this.address = address;
    this.rpc = this.open(address);
  }

  enroll(request: EnrollRequest, signal?: AbortSignal): Promise<EnrollResponse__Output> {
    return this.rpc.enroll(request, signal);
  }

  authenticate(request: AuthenticateRequest, signal?: AbortSignal): Promise<AuthenticateResponse__Output> {
    return this.rpc.authenticate(request, signal);
  }

  refreshSession(token: string, signal?: AbortSignal): Promise<RefreshSessionResponse__Output> {
    return this.rpc.refreshSession(token, signal);
  }

  terminateSession(token: string, reason: string, timeoutMs: number): Promise<void> {
    return this.rpc.terminateSession(token, reason, timeoutMs);
  }

  connect(token: string): ConnectStream {
    return this.rpc.connect(token);
  }

  close(): void {
    this.closed = true;
    this.rpc.close();
  }
}
