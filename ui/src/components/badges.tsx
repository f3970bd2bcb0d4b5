// Status words with colour and text (colour is never the only signal).
import { words } from '../lib/format';

const TONES: Record<string, string> = {
  online: 'good',
  active: 'good',
  exhausted: 'quiet',
  revoked: 'quiet',
  healthy: 'good',
  compliant: 'good',
  succeeded: 'good',
  degraded: 'warn',
  pending: 'warn',
  queued: 'info',
  scheduled: 'info',
  dispatched: 'info',
  acknowledged: 'info',
  running: 'info',
  cancel_requested: 'warn',
  partially_failed: 'warn',
  unhealthy: 'bad',
  non_compliant: 'bad',
  failed: 'bad',
  timed_out: 'bad',
  offline: 'quiet',
  inactive: 'quiet',
  decommissioned: 'quiet',
  cancelled: 'quiet',
  expired: 'quiet',
  unknown: 'quiet',
};

export function Badge({ value }: { value: string }) {
  return <span className={`badge tone-${TONES[value] ?? 'quiet'}`}>{words(value)}</span>;
}
