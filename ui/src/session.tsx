// The signed-in key: kept in sessionStorage (this tab only, gone when it
// closes; never in a URL or localStorage), checked with GET /api/v1/me, and
// shared with the pages with the role that decides what they show.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { ApiClient } from './api/client';
import type { Me } from './api/types';

const STORAGE_KEY = 'corral.apiKey';

export interface Session {
  readonly me: Me;
  readonly apiKey: string;
  readonly api: ApiClient;
  signOut(): void;
}

interface SessionState {
  readonly session: Session | undefined;
  signIn(apiKey: string): Promise<void>;
  /** A stored key, checked again after a reload. */
  restore(): Promise<void>;
  readonly notice: string | undefined;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const signOut = useCallback((why?: string) => {
    sessionStorage.removeItem(STORAGE_KEY);
    setSession(undefined);
    setNotice(why);
  }, []);

  const signIn = useCallback(
    async (apiKey: string) => {
      const api = new ApiClient(apiKey, () => signOut('Your API key is no longer accepted: sign in again.'));
      const me = await api.get<Me>('/me');
      sessionStorage.setItem(STORAGE_KEY, apiKey);
      setNotice(undefined);
      setSession({ me, apiKey, api, signOut: () => signOut() });
    },
    [signOut],
  );

  const restore = useCallback(async () => {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    if (stored) await signIn(stored).catch(() => signOut());
  }, [signIn, signOut]);

  const value = useMemo(() => ({ session, signIn, restore, notice }), [session, signIn, restore, notice]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSessionState outside SessionProvider');
  return state;
}

/** The signed-in session; only rendered inside the signed-in part of the app. */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) throw new Error('useSession without a session');
  return session;
}
