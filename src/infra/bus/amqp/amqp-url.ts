// BUS_URL handling: the password never leaves this process in a log line or an
// error message, and a heartbeat is asked for unless the URL names one, so that
// a dead broker is noticed in seconds rather than the server's default minute.

/** The URL with its password replaced by `***` (for logs and errors). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

/** The URL with `heartbeat=<seconds>` added when it has no heartbeat of its own. */
export function withDefaultHeartbeat(url: string, seconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) parsed.searchParams.set('heartbeat', String(seconds));
  return parsed.toString();
}
