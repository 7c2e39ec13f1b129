import { UserError } from './errors.ts';

/** Ordered from least to most trusted; each role may do everything the ones before it may. */
export const ROLES = ['viewer', 'analyst', 'marketer', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  viewer: 'reads digests, help and reports',
  analyst: 'imports data, runs segmentations and metrics',
  marketer: 'creates, submits and launches campaigns',
  approver: 'approves or rejects campaigns, never their own',
  admin: 'manages roles, schedules and the audit log',
};

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

export function hasRole(actual: Role, required: Role): boolean {
  return roleRank(actual) >= roleRank(required);
}

export function parseRole(value: string): Role {
  const role = value.trim().toLowerCase();
  if ((ROLES as readonly string[]).includes(role)) return role as Role;
  throw new UserError('unknown_role', `Unknown role \`${value}\`.`, { hint: `Roles are: ${ROLES.join(', ')}.` });
}

export function highestRole(roles: Iterable<Role>): Role | undefined {
  let best: Role | undefined;
  for (const role of roles) if (!best || roleRank(role) > roleRank(best)) best = role;
  return best;
}
