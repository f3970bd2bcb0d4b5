// Runs the EventBus contract on the embedded in-process bus.
import { describeEventBusContract } from './event-bus.contract.js';
import { MemoryEventBus } from './memory-event-bus.js';

describeEventBusContract('memory', { open: async (onHandlerError) => new MemoryEventBus(onHandlerError) });
