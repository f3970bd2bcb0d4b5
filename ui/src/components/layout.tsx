// The frame of every signed-in page: skip link, navigation, the live
// connection's state, who is signed in, and the page itself.
import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { useLiveState } from '../live/live-context';
import { useSession } from '../session';

const NAV = [
  ['/', 'Overview'],
  ['/agents', 'Agents'],
  ['/commands', 'Commands'],
  ['/configuration', 'Configuration'],
  ['/policies', 'Policies'],
  ['/groups', 'Groups'],
  ['/backups', 'Backups'],
  ['/events', 'Events'],
  ['/audit', 'Audit log'],
  ['/access', 'Access'],
  ['/status', 'System'],
] as const;

const LIVE_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Not live',
} as const;

export function Layout({ children }: { children: ReactNode }) {
  const { me, signOut } = useSession();
  const live = useLiveState();
  const [location] = useLocation();
  const current = (href: string) =>
    href === '/' ? location === '/' : location === href || location.startsWith(`${href}/`);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Corral</span>
        <span role="status" className={`live live-${live.state}`} title={live.detail || undefined}>
          <span aria-hidden="true" className="dot" />
          {LIVE_TEXT[live.state]}
        </span>
        <span className="who">
          {me.name} <span className="muted">({me.role})</span>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <div className="frame">
        <nav aria-label="Main" className="side">
          <ul>
            {NAV.map(([href, text]) => (
              <li key={href}>
                <Link href={href} aria-current={current(href) ? 'page' : undefined}>
                  {text}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </>
  );
}
