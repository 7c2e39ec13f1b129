import { actionsOf, type Visibility } from './command.ts';
import type { CommandRegistry } from './registry.ts';
import { hasRole, ROLES, type Role } from './roles.ts';

/** One row of the command x role matrix: the action and the least role allowed to run it. */
export interface Permission {
  /** `segment run` */
  command: string;
  role: Role;
  /** Who sees the answer: the channel, or the caller alone. */
  visibility: Visibility;
  /** For each role, least to most trusted: may it run the command? */
  allowed: Record<Role, boolean>;
}

/**
 * The permission matrix, generated from the command definitions (each action's `role`), so it
 * is the same table Bot.prepare enforces. Order: registry order, then subcommand order.
 */
export function permissionMatrix(registry: CommandRegistry): Permission[] {
  return registry.all().flatMap((command) =>
    actionsOf(command).map(({ path, action }) => ({
      command: path,
      role: action.role,
      visibility: action.visibility,
      allowed: Object.fromEntries(ROLES.map((role) => [role, hasRole(role, action.role)])) as Record<Role, boolean>,
    })),
  );
}

/** The matrix as a table: one row per command, ✓/· per role. */
export function permissionTable(registry: CommandRegistry): { columns: string[]; rows: string[][] } {
  return {
    columns: ['Command', 'Least role', ...ROLES, 'Answer'],
    rows: permissionMatrix(registry).map((p) => [
      `/${p.command}`,
      p.role,
      ...ROLES.map((role) => (p.allowed[role] ? '✓' : '·')),
      p.visibility === 'private' ? 'only you' : 'channel',
    ]),
  };
}

/** The matrix as Markdown, for the README (`npx tsx -e` or scripts/docs.ts can print it). */
export function permissionMarkdown(registry: CommandRegistry): string {
  const { columns, rows } = permissionTable(registry);
  return [`| ${columns.join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join(
    '\n',
  );
}
