import { maskEmail } from '../core/format.ts';
import { hasRole, type Role } from '../core/roles.ts';

/** Who sees customers' emails and names unmasked in chat. Everyone below sees them masked. */
export const UNMASKED_ROLE: Role = 'admin';

export interface PersonalFields {
  email?: string | null;
  name?: string | null;
}

/** "Jane van Doe" -> "J••• v••• D•••"; empty -> "—". */
export function maskName(name: string | null | undefined): string {
  if (!name || name.trim() === '') return '—';
  return name
    .trim()
    .split(/\s+/)
    .map((word) => `${[...word][0]}•••`)
    .join(' ');
}

export function canSeePersonalData(role: Role): boolean {
  return hasRole(role, UNMASKED_ROLE);
}

/**
 * A customer as the caller may see it in chat: email and name masked unless the role is admin;
 * every other field as given. Use it wherever a reply or a file shown in chat carries a customer.
 */
export function maskCustomer<T extends PersonalFields>(role: Role, customer: T): T {
  if (canSeePersonalData(role)) return { ...customer };
  return {
    ...customer,
    ...('email' in customer ? { email: customer.email ? maskEmail(customer.email) : null } : {}),
    ...('name' in customer ? { name: customer.name ? maskName(customer.name) : null } : {}),
  };
}
