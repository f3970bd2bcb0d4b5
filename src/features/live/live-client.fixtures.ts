// A real WebSocket client (ws) for the live channel's tests: connects, keeps
// every message it receives in order, and waits (bounded) for a message or the
// close. Not used by the running server.
import WebSocket from 'ws';

export interface LiveMessage {
  readonly type: string;
  readonly [field: string]: unknown;
}

export interface LiveTestClient {
  readonly socket: WebSocket;
  readonly messages: LiveMessage[];
  send(message: unknown): void;
  /** The first message (after those already taken by earlier waits) that satisfies `accept`. */
  next(accept?: (message: LiveMessage) => boolean, timeoutMs?: number): Promise<LiveMessage>;
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export async function connectLive(url: string): Promise<LiveTestClient> {
  const socket = new WebSocket(url);
  const messages: LiveMessage[] = [];
  let cursor = 0;
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)) as LiveMessage);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    messages,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: (accept = () => true, timeoutMs = 5_000) =>
      new Promise<LiveMessage>((resolve, reject) => {
        const look = () => {
          while (cursor < messages.length) {
            const message = messages[cursor++] as LiveMessage;
            if (accept(message)) {
              finish();
              resolve(message);
              return;
            }
          }
          if (socket.readyState === WebSocket.CLOSED) {
            finish();
            reject(new Error(`closed before the message came; got ${JSON.stringify(messages)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no such message within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(look);
        };
        waiters.add(look);
        look();
      }),
    closed,
    close: async () => {
      if (socket.readyState !== WebSocket.CLOSED) socket.close();
      await closed;
    },
  };
}
