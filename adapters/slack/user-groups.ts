import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/logger.ts';

/**
 * The Slack user groups each user belongs to (usergroups.list with include_users), cached for
 * `ttlMs`. A lookup never holds a command's acknowledgement up for long: past `timeoutMs` the
 * last known groups (or none) are used and the refresh finishes in the background.
 */
export class UserGroupCache {
  #byUser = new Map<string, string[]>();
  #loadedAt = -Infinity;
  #loading?: Promise<void>;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly logger: Logger,
    private readonly ttlMs = 5 * 60_000,
    private readonly timeoutMs = 1000,
  ) {}

  async groupsOf(userId: string): Promise<string[]> {
    if (Date.now() - this.#loadedAt > this.ttlMs) {
      this.#loading ??= this.#load().finally(() => (this.#loading = undefined));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timeoutMs)));
      await Promise.race([this.#loading, timeout]);
      clearTimeout(timer);
    }
    return this.#byUser.get(userId) ?? [];
  }

  async #load(): Promise<void> {
    try {
      const result = await this.client.usergroups.list({ include_users: true });
      const byUser = new Map<string, string[]>();
      for (const group of result.usergroups ?? []) {
        for (const user of group.users ?? []) byUser.set(user, [...(byUser.get(user) ?? []), group.id!]);
      }
      this.#byUser = byUser;
      this.#loadedAt = Date.now();
    } catch (error) {
      this.logger.warn({ err: error }, 'slack: could not list user groups; roles from ROLE_MAP are skipped until it works');
    }
  }
}
