// Publishes a batch on a confirm channel and resolves only when the broker has
// confirmed every message. Rejects when any message is nacked, the channel
// closes first (its pending confirms fail with it), or the deadline passes, so
// the caller (the outbox relay) keeps the events and publishes them again; a
// message confirmed after a timeout is then a duplicate, which consumers drop.
// When the channel's write buffer is full (publish returns false), the next
// message waits for the channel's 'drain' event.
import type { ConfirmChannel, Options } from 'amqplib';
import type { EventEnvelope } from '../../../features/events/event.js';
import { EVENT_CONTENT_TYPE, encodeEvent, type EncodedEvent } from '../event-codec.js';

export async function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  events: readonly EventEnvelope[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A channel the broker closes says why in an 'error' event; the confirms only learn "channel closed".
  let closedBecause: Error | undefined;
  const onError = (error: Error) => (closedBecause = error);
  channel.on('error', onError);
  try {
    await publishAll(channel, exchange, events, deadline);
  } catch (error) {
    throw closedBecause ?? error;
  } finally {
    channel.off('error', onError);
  }
}

async function publishAll(
  channel: ConfirmChannel,
  exchange: string,
  events: readonly EventEnvelope[],
  deadline: number,
): Promise<void> {
  const confirms: Promise<void>[] = [];
  for (const event of events) {
    const message = encodeEvent(event);
    let accepted = true;
    const confirmed = new Promise<void>((resolve, reject) => {
      // Throws at once when the channel is already closed.
      accepted = channel.publish(
        exchange,
        message.type,
        message.body,
        propertiesOf(message),
        (error: unknown) =>
          error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
      );
    });
    // Every confirm is awaited below, or abandoned when an earlier step throws: never unhandled.
    confirmed.catch(() => undefined);
    confirms.push(confirmed);
    if (!accepted) await drained(channel, deadline);
  }
  await beforeDeadline(Promise.all(confirms), deadline, `${events.length} events were not confirmed`);
}

function propertiesOf(message: EncodedEvent): Options.Publish {
  return {
    persistent: true,
    messageId: message.id,
    type: message.type,
    contentType: EVENT_CONTENT_TYPE,
    // AMQP timestamps are whole seconds.
    timestamp: Math.floor(message.occurredAt / 1000),
    appId: 'corral',
    headers: message.headers,
  };
}

function drained(channel: ConfirmChannel, deadline: number): Promise<void> {
  let cleanup = () => undefined as void;
  const wait = new Promise<void>((resolve, reject) => {
    const onDrain = () => resolve();
    const onClose = () => reject(new Error('channel closed while waiting for it to drain'));
    channel.once('drain', onDrain);
    channel.once('close', onClose);
    cleanup = () => {
      channel.off('drain', onDrain);
      channel.off('close', onClose);
    };
  });
  return beforeDeadline(wait, deadline, 'the channel did not drain').finally(cleanup);
}

function beforeDeadline<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} before the publish timeout`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
