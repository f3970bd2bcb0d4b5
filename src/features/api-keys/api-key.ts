// Admin API keys and their roles. Roles are ordered: each includes the rights
// of the ones before it.

export const Role = { Viewer: 'viewer', Operator: 'operator', Admin: 'admin' } as const;
export type Role = (typeof Role)[keyof typeof Role];
export const ROLES = Object.values(Role);

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const roleAllows = (held: Role, needed: Role): boolean => RANK[held] >= RANK[needed];

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly keyHash: string;
  readonly hint: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
}

/** Who is calling the admin API, as the services see it. */
export interface Principal {
  readonly actor: string;
  readonly name: string;
  readonly role: Role;
}

export const SYSTEM_PRINCIPAL: Principal = { actor: 'system', name: 'system', role: Role.Admin };
