// The live connection for the signed-in session, shared by every page: its
// state for the header, the fleet samples for the overview's charts, and a hook
// with which a page reloads what it shows when a matching event arrives (or the
// server says events were missed).
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { FleetSample, LiveEvent } from '../api/types';
import { coalesce } from '../lib/debounce';
import { useSession } from '../session';
import { LiveConnection, type LiveState } from './live-connection';
import { appendSamples } from './samples';

interface Live {
  readonly connection: LiveConnection;
  readonly samples: FleetSampleStore;
}

const LiveContext = createContext<Live | undefined>(undefined);

/**
 * The fleet samples for the whole session (not per page: the overview drawn again after a visit elsewhere
 * keeps its history): the server's history on each (re)connection, then one per interval.
 */
class FleetSampleStore {
  samples: readonly FleetSample[] = [];
  intervalMs = 5000;
  private readonly listeners = new Set<() => void>();

  constructor(connection: LiveConnection) {
    connection.subscribe({
      history: (samples, intervalMs) => {
        this.samples = appendSamples(this.samples, samples);
        this.intervalMs = intervalMs;
        this.changed();
      },
      fleet: (sample) => {
        this.samples = appendSamples(this.samples, [sample]);
        this.changed();
      },
    });
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

export function liveUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`;
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const session = useSession();
  const [live, setLive] = useState<Live | undefined>(undefined);
  useEffect(() => {
    const connection = new LiveConnection({
      url: liveUrl(window.location),
      apiKey: session.apiKey,
      createSocket: (url) => new WebSocket(url),
      onRefused: () => session.signOut(),
    });
    const samples = new FleetSampleStore(connection);
    connection.start();
    setLive({ connection, samples });
    return () => connection.stop();
  }, [session]);
  if (!live) return null;
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>;
}

function useLiveContext(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside LiveProvider');
  return live;
}

function useLive(): LiveConnection {
  return useLiveContext().connection;
}

export function useLiveState(): { state: LiveState; detail: string } {
  const live = useLive();
  const [state, setState] = useState({ state: live.state, detail: '' });
  useEffect(() => live.subscribe({ state: (next, detail) => setState({ state: next, detail }) }), [live]);
  return state;
}

/** The session's fleet samples, oldest first, updated as they come. */
export function useFleetSamples(): { samples: readonly FleetSample[]; intervalMs: number } {
  const { samples: store } = useLiveContext();
  const [value, setValue] = useState({ samples: store.samples, intervalMs: store.intervalMs });
  useEffect(
    () => store.subscribe(() => setValue({ samples: store.samples, intervalMs: store.intervalMs })),
    [store],
  );
  return value;
}

/** Calls `handler` for every live event (latest handler, no resubscription). */
export function useLiveEvents(handler: (event: LiveEvent) => void): void {
  const live = useLive();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => live.subscribe({ event: (event) => latest.current(event) }), [live]);
}

/**
 * Calls `reload` (coalesced, at most every `delayMs`) when an event matching
 * `matches` arrives, and whenever the server says events were missed.
 */
export function useLiveReload(
  matches: (event: LiveEvent) => boolean,
  reload: () => void,
  delayMs = 750,
): void {
  const live = useLive();
  const latest = useRef({ matches, reload });
  latest.current = { matches, reload };
  useEffect(() => {
    const soon = coalesce(() => latest.current.reload(), delayMs);
    const stop = live.subscribe({
      event: (event) => {
        if (latest.current.matches(event)) soon();
      },
      refetch: () => soon(),
    });
    return () => {
      stop();
      soon.cancel();
    };
  }, [live, delayMs]);
}
