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

const LiveContext = createContext<LiveConnection | undefined>(undefined);

export function liveUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/live`;
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const session = useSession();
  const [connection, setConnection] = useState<LiveConnection | undefined>(undefined);
  useEffect(() => {
    const live = new LiveConnection({
      url: liveUrl(window.location),
      apiKey: session.apiKey,
      createSocket: (url) => new WebSocket(url),
      onRefused: () => session.signOut(),
    });
    live.start();
    setConnection(live);
    return () => live.stop();
  }, [session]);
  if (!connection) return null;
  return <LiveContext.Provider value={connection}>{children}</LiveContext.Provider>;
}

function useLive(): LiveConnection {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside LiveProvider');
  return live;
}

export function useLiveState(): { state: LiveState; detail: string } {
  const live = useLive();
  const [state, setState] = useState({ state: live.state, detail: '' });
  useEffect(() => live.subscribe({ state: (next, detail) => setState({ state: next, detail }) }), [live]);
  return state;
}

/** The fleet samples: the server's history on (re)connection, then one per interval. */
export function useFleetSamples(): { samples: readonly FleetSample[]; intervalMs: number } {
  const live = useLive();
  const [value, setValue] = useState<{ samples: readonly FleetSample[]; intervalMs: number }>({
    samples: [],
    intervalMs: 5000,
  });
  useEffect(
    () =>
      live.subscribe({
        history: (samples, intervalMs) => setValue({ samples: appendSamples([], samples), intervalMs }),
        fleet: (sample) =>
          setValue((current) => ({ ...current, samples: appendSamples(current.samples, [sample]) })),
      }),
    [live],
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
