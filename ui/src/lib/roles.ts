// What each role may do, as the admin API decides it (each route's role): the
// dashboard hides or disables what the signed-in key could not do anyway.
import type { Role } from '../api/types';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export const roleAllows = (held: Role, needed: Role): boolean => RANK[held] >= RANK[needed];

/** The least role each dashboard action needs. */
export const ACTION_ROLES = {
  sendCommand: 'operator',
  cancelCommand: 'operator',
  unregisterAgent: 'operator',
  editAgent: 'operator',
  endSession: 'operator',
  manageEnrollment: 'operator',
  registerCommandType: 'operator',
  editConfiguration: 'operator',
  editPolicies: 'operator',
  editGroups: 'operator',
  createBackup: 'operator',
  restoreBackup: 'admin',
  transferState: 'admin',
  emergency: 'admin',
  maintenance: 'admin',
} as const satisfies Record<string, Role>;
export type Action = keyof typeof ACTION_ROLES;

export const can = (role: Role, action: Action): boolean => roleAllows(role, ACTION_ROLES[action]);
