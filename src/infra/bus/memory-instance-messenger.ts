// Instance messengers in one process (tests, and the single-instance default):
// instances join a MemoryInstanceNetwork and send to each other through it.
import { invalidArgument, notFound, unavailable } from '../../shared/errors.js';
import {
  isInstanceId,
  type InstanceMessage,
  type InstanceMessageHandler,
  type InstanceMessenger,
} from './instance-messenger.js';

export class MemoryInstanceNetwork {
  private readonly members = new Map<string, MemoryInstanceMessenger>();

  constructor(
    private readonly onHandlerError: (error: unknown, message: InstanceMessage) => void = () => undefined,
  ) {}

  join(instanceId: string): MemoryInstanceMessenger {
    if (!isInstanceId(instanceId))
      throw invalidArgument(`instance id ${JSON.stringify(instanceId)} is not valid`);
    if (this.members.has(instanceId)) throw invalidArgument(`instance ${instanceId} has already joined`);
    const messenger = new MemoryInstanceMessenger(instanceId, this);
    this.members.set(instanceId, messenger);
    return messenger;
  }

  /** @internal */
  async deliver(to: string, message: InstanceMessage, from: string): Promise<void> {
    const member = this.members.get(to);
    if (!member) throw notFound('instance', to);
    await member.receive(message, from, this.onHandlerError);
  }

  /** @internal */
  leave(instanceId: string): void {
    this.members.delete(instanceId);
  }
}

export class MemoryInstanceMessenger implements InstanceMessenger {
  private readonly handlers = new Set<InstanceMessageHandler>();
  private closed = false;

  constructor(
    readonly instanceId: string,
    private readonly network: MemoryInstanceNetwork,
  ) {}

  async send(instanceId: string, message: InstanceMessage): Promise<void> {
    if (!isInstanceId(instanceId))
      throw invalidArgument(`instance id ${JSON.stringify(instanceId)} is not valid`);
    if (this.closed) throw unavailable('the instance messenger is closed');
    // A copy, as a broker would deliver: the receiver cannot change the sender's object.
    await this.network.deliver(instanceId, structuredClone(message), this.instanceId);
  }

  async onMessage(handler: InstanceMessageHandler): Promise<() => Promise<void>> {
    this.handlers.add(handler);
    return async () => void this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
    this.network.leave(this.instanceId);
  }

  /** @internal */
  async receive(
    message: InstanceMessage,
    from: string,
    onHandlerError: (error: unknown, message: InstanceMessage) => void,
  ): Promise<void> {
    for (const handler of this.handlers) {
      try {
        await handler(message, from);
      } catch (error) {
        onHandlerError(error, message);
      }
    }
  }
}
