import { randomUUID } from 'node:crypto';

/**
 * A problem with what the user asked for. Shown as written: the message names the
 * problem, `hint` says what to do next.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: string,
    message: string,
    readonly options: { hint?: string; context?: Record<string, unknown> } = {},
  ) {
    super(message);
  }

  get hint(): string | undefined {
    return this.options.hint;
  }

  get context(): Record<string, unknown> {
    return this.options.context ?? {};
  }

  /** The message and the hint, as one chat-ready text. */
  get text(): string {
    return this.hint ? `${this.message}\n${this.hint}` : this.message;
  }
}

/** A failure of ours. The user sees a short apology and the id; the logs hold the cause. */
export class InternalError extends Error {
  override readonly name = 'InternalError';
  readonly errorId: string;
  constructor(override readonly cause: unknown) {
    super('internal error');
    this.errorId = randomUUID().slice(0, 8);
  }

  get text(): string {
    return `Sorry, something went wrong on our side (error id ${this.errorId}). It has been logged; please try again or tell your admin the id.`;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
