// Enrollment secrets: what a new agent presents to join the fleet. Optionally
// limited in uses, in time, and naming a static group the agents enrolled with
// it join.

export interface EnrollmentSecret {
  readonly id: string;
  readonly name: string;
  readonly secretHash: string;
  readonly hint: string;
  readonly groupId: string | null;
  readonly maxUses: number | null;
  readonly uses: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly createdAt: number;
  readonly createdBy: string;
}

export type EnrollmentSecretState = 'active' | 'expired' | 'exhausted' | 'revoked';

export function secretState(secret: EnrollmentSecret, nowMs: number): EnrollmentSecretState {
  if (secret.revokedAt !== null) return 'revoked';
  if (secret.expiresAt !== null && secret.expiresAt <= nowMs) return 'expired';
  if (secret.maxUses !== null && secret.uses >= secret.maxUses) return 'exhausted';
  return 'active';
}
