// The instance messenger port: short signals from one Corral instance to
// another, such as "a command for an agent you hold is in the store" (ADR 0016,
// command routing). A signal is a hint, never the only copy of anything: what
// it points at is in the store, so a lost signal costs latency, not data.
// send() rejects with not_found when no instance of that id is listening, so
// the sender can fall back to leaving the work in the store.

export interface InstanceMessage {
  /** What happened, e.g. `command_ready`. */
  readonly kind: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type InstanceMessageHandler = (
  message: InstanceMessage,
  fromInstanceId: string,
) => void | Promise<void>;

export interface InstanceMessenger {
  readonly instanceId: string;
  /** Resolves once the message is on its way to a listening instance; not_found when none is. */
  send(instanceId: string, message: InstanceMessage): Promise<void>;
  /** Hands messages addressed to this instance to the handler until the returned function is called. */
  onMessage(handler: InstanceMessageHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const INSTANCE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Instance ids follow the INSTANCE_ID setting's rule. */
export function isInstanceId(id: string): boolean {
  return INSTANCE_ID.test(id);
}
