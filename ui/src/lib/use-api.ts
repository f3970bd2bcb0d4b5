// Loads data from the admin API for a page: keeps what was shown while
// reloading (no flicker on live updates), drops answers that arrive after a
// newer request, and exposes reload() for live events and after actions.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../api/client';
import { useSession } from '../session';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  reload(): void;
}

export function useApi<T>(
  load: (api: ApiClient, signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): Loaded<T> {
  const { api } = useSession();
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const generation = useRef(0);
  const latestLoad = useRef(load);
  latestLoad.current = load;

  const run = useCallback(() => {
    const mine = ++generation.current;
    const controller = new AbortController();
    setState((current) => ({ ...current, loading: true }));
    latestLoad.current(api, controller.signal).then(
      (data) => {
        if (mine === generation.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (mine === generation.current && !controller.signal.aborted)
          setState((current) => ({
            data: current.data,
            error: error instanceof Error ? error : new Error(String(error)),
            loading: false,
          }));
      },
    );
    return controller;
  }, [api]);

  useEffect(() => {
    const controller = run();
    return () => controller.abort();
    // The caller's deps decide when to load again.
  }, [run, ...deps]);

  const reload = useCallback(() => void run(), [run]);
  return { ...state, reload };
}
