// A store-backed value for the gauges, read at most once per `maxAgeMs` however
// many gauges and scrapes ask. When a read fails, the failure is reported and
// the last good value answers (stale by the outage), so one failing store read
// does not turn the whole /metrics scrape into a 500 — an outage shows in
// /readyz and corral_background_failures_total, while every in-memory metric
// stays visible. Only before the first good read does the failure propagate.
export function scrapeReading<T>(
  maxAgeMs: number,
  read: () => Promise<T>,
  onError: (error: unknown) => void,
  now: () => number = Date.now,
): () => Promise<T> {
  let pending: Promise<T> | undefined;
  let readAt = -Infinity;
  let lastGood: { value: T } | undefined;
  return () => {
    if (pending && now() - readAt <= maxAgeMs) return pending;
    readAt = now();
    pending = read().then(
      (value) => {
        lastGood = { value };
        return value;
      },
      (error: unknown) => {
        onError(error);
        // Ask the store again at the next scrape, not only after maxAgeMs.
        pending = undefined;
        if (lastGood) return lastGood.value;
        throw error;
      },
    );
    return pending;
  };
}
