import type { Kysely } from 'kysely';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/schema.ts';
import type { SourceDefinition } from '../sources/definition.ts';
import { answersPrivately, type ActionDefinition } from './command.ts';
import { auditWrites, type AuditOutcome } from './audit.ts';
import type { Caller, CommandContext, MessageUpdater, Notifier, Platform, ProgressUpdate, Upload } from './context.ts';
import { InternalError, UserError } from './errors.ts';
import { resourceError } from '../store/resource-errors.ts';
import { FairUse } from './fair-use.ts';
import { mentionsAsText } from './mention.ts';
import { validateOptions, type ParsedCommand } from './parse.ts';
import { parseWithAnswers } from './button-forms.ts';
import { throttleProgress } from './progress.ts';
import type { CommandRegistry } from './registry.ts';
import type { Reply, View } from './reply.ts';
import { RoleCache } from './role-resolver.ts';
import { hasRole, type Role } from './roles.ts';
import { Tenancy } from './tenancy.ts';
import { WriteQueue } from './write-queue.ts';

/** A command as it arrives from an adapter: a typed line, or a structured call (Discord options, buttons). */
export interface Invocation {
  caller: Caller;
  text?: string;
  command?: string;
  subcommand?: string;
  options?: Record<string, unknown>;
  /** Answers of a button's form (Button.asks) added to the typed line's options, e.g. `{ reason: '…' }`. */
  answers?: Record<string, string>;
  uploads?: Upload[];
  onProgress?: (update: ProgressUpdate) => void;
  /** Aborted when the caller cancels (Ctrl-C in the console): work running in a worker stops. */
  signal?: AbortSignal;
}

export interface PreparedCommand {
  path: string;
  action: ActionDefinition;
  options: Record<string, unknown>;
  role: Role;
  /** The answer goes to the caller alone (a private action, or `private=true`); known before it runs. */
  private: boolean;
}

/** An action whose form the caller may open, with the options given so far (unvalidated). */
export interface FormAdmission {
  path: string;
  action: ActionDefinition;
  role: Role;
  raw: Record<string, unknown>;
}

export interface BotDeps {
  db: Kysely<Database>;
  config: Config;
  logger: Logger;
  registry: CommandRegistry;
  outDir: string;
  now?: () => Date;
  /** Named sources from SOURCES_FILE (loadSources); none by default. */
  sources?: readonly SourceDefinition[];
}

/** Error replies carry this data, so `--json` output and tests can tell failures apart. */
export interface ErrorData {
  error: { code: string; message: string; hint?: string; error_id?: string };
}

/** The core every adapter calls: parse, validate, check the role, audit, run the handler. */
export class Bot {
  readonly registry: CommandRegistry;
  readonly db: Kysely<Database>;
  readonly config: Config;
  readonly logger: Logger;
  readonly outDir: string;
  readonly now: () => Date;
  /** Named sources (SOURCES_FILE), loaded and validated at start: /source, syncSource, digest refreshes. */
  readonly sources: readonly SourceDefinition[];
  /** Audit entries (and adapters' receipts) are written here, in batches after the answers go out. */
  readonly writes: WriteQueue;
  /** Bounds the heavy commands: in flight in this process, and per user per minute. */
  readonly fairUse: FairUse;
  #answered: () => void = () => {};
  /** Settles once the first command has run to its answer (start-up work that can wait, waits for it). */
  readonly firstAnswer = new Promise<void>((resolve) => (this.#answered = resolve));
  /** Which workspaces and servers each platform answers; adapters set their platform's policy at start. */
  readonly tenancy = new Tenancy();
  readonly #notifiers = new Map<Platform, Notifier>();
  readonly #updaters = new Map<Platform, MessageUpdater>();
  #roles: RoleCache;
  /** Commands whose handler is running now. */
  readonly #running = new Set<RunningCommand>();
  #whenIdle: (() => void)[] = [];
  #draining = false;

  constructor(deps: BotDeps) {
    this.registry = deps.registry;
    this.db = deps.db;
    this.config = deps.config;
    this.logger = deps.logger;
    this.outDir = deps.outDir;
    this.now = deps.now ?? (() => new Date());
    this.sources = deps.sources ?? [];
    this.writes = new WriteQueue(this.db, this.logger);
    this.#roles = new RoleCache(this.db, this.config, 0);
    this.fairUse = new FairUse(this.config);
  }

  /**
   * Remembers each caller's role for `ttlMs` (adapters under load turn it on). /admin grant and
   * revoke in this process apply at once; a change made elsewhere (another instance, the
   * database) applies within `ttlMs`.
   */
  cacheRoles(ttlMs: number): void {
    this.#roles = new RoleCache(this.db, this.config, ttlMs);
  }

  /** Adapters register how to post to their channels (approval requests, digests) and how to update what they posted. */
  setNotifier(platform: Platform, notifier: Notifier, updater?: MessageUpdater): void {
    this.#notifiers.set(platform, notifier);
    if (updater) this.#updaters.set(platform, updater);
    else this.#updaters.delete(platform);
  }

  readonly notify: Notifier = async (target, reply) => {
    const notifier = this.#notifiers.get(target.platform);
    if (!notifier)
      throw new UserError(
        'platform_unavailable',
        `The ${target.platform} adapter is not running, so channel ${target.channelId} cannot be reached.`,
      );
    return notifier(target, reply);
  };

  readonly updatePosted: MessageUpdater = async (posted, reply) => {
    const updater = this.#updaters.get(posted.platform);
    if (!updater)
      throw new UserError(
        'platform_unavailable',
        `The ${posted.platform} adapter is not running or cannot update messages, so the message in channel ${posted.channelId} stays as it is.`,
      );
    await updater(posted, reply);
  };

  /**
   * Parses, validates and checks the role. Fast: adapters call it before acknowledging.
   * Throws UserError; every refusal is audited here, so adapters need not.
   */
  async prepare(invocation: Invocation): Promise<PreparedCommand> {
    return (await this.#admit(invocation, true)) as PreparedCommand;
  }

  /**
   * The checks of prepare without validating the options: whether the caller may open the
   * action's form (the workspace, the server, the role). Refusals are audited as in prepare.
   */
  async admitForm(invocation: Invocation): Promise<FormAdmission> {
    return (await this.#admit(invocation, false)) as FormAdmission;
  }

  /**
   * What the action shows before a form saves (a campaign's rendered email): runs its formPreview
   * with the caller's context. Read-only, so not audited; throws the preview's UserError.
   */
  async formPreview(prepared: PreparedCommand, invocation: Invocation): Promise<View | undefined> {
    if (!prepared.action.formPreview) return undefined;
    return prepared.action.formPreview(this.#context(prepared, invocation), prepared.options);
  }

  async #admit(invocation: Invocation, validate: boolean): Promise<PreparedCommand | FormAdmission> {
    let path = invocationName(invocation);
    let raw: Record<string, unknown> = invocation.text !== undefined ? { text: invocation.text } : { ...(invocation.options ?? {}) };
    try {
      if (this.#draining) {
        raw = this.#auditRaw(invocation, raw);
        throw restartingError();
      }
      const foreign = this.tenancy.workspaceRefusal(invocation.caller);
      if (foreign) {
        path = this.#auditName(invocation);
        raw = this.#auditRaw(invocation, raw);
        throw foreign;
      }
      const parsed = this.#parse(invocation);
      path = parsed.path;
      raw = parsed.action.auditOptions ? parsed.action.auditOptions(parsed.raw) : parsed.raw;
      const outsideServer = this.tenancy.directMessageRefusal(invocation.caller, parsed.path, parsed.action);
      if (outsideServer) throw outsideServer;
      const role = await this.#roles.resolve(invocation.caller);
      if (!hasRole(role, parsed.action.role)) {
        throw new UserError('forbidden', `/${parsed.path} needs the *${parsed.action.role}* role; you have *${role}*.`, {
          hint: 'Ask an admin to grant it: /admin grant <user> <role>.',
        });
      }
      if (!validate) return { path: parsed.path, action: parsed.action, role, raw: parsed.raw };
      const options = validateOptions(parsed.path, parsed.action, parsed.raw);
      if (parsed.action.long) this.fairUse.accept(invocation.caller);
      return { path: parsed.path, action: parsed.action, options, role, private: answersPrivately(parsed.action, options) };
    } catch (error) {
      const outcome: AuditOutcome = error instanceof UserError ? (error.code === 'forbidden' ? 'denied' : 'user_error') : 'error';
      // Written after the adapter's acknowledgement has gone out: a refusal must be answered within Slack's 3 s first.
      this.#audit(invocation.caller, path, raw, outcome, mentionsAsText(error instanceof Error ? error.message : String(error)), 0);
      throw error;
    }
  }

  /** The action a refused invocation names (`campaign list`), for its audit entry; as typed when it does not parse. */
  #auditName(invocation: Invocation): string {
    try {
      return this.#parse(invocation).path;
    } catch {
      return invocationName(invocation);
    }
  }

  /** A refused invocation's options as its audit entry stores them: through its action's auditOptions when it parses. */
  #auditRaw(invocation: Invocation, raw: Record<string, unknown>): Record<string, unknown> {
    try {
      const parsed = this.#parse(invocation);
      return parsed.action.auditOptions ? parsed.action.auditOptions(parsed.raw) : raw;
    } catch {
      return raw;
    }
  }

  #parse(invocation: Invocation): ParsedCommand {
    if (invocation.text !== undefined) return parseWithAnswers(this.registry, invocation.text, invocation.answers);
    const command = this.registry.get(invocation.command ?? '');
    const { path, action } = this.registry.action(command, invocation.subcommand);
    return { command, action, path, raw: { ...(invocation.options ?? {}) } };
  }

  /** Runs a prepared command. Never throws: failures come back as error replies. */
  async run(prepared: PreparedCommand, invocation: Invocation): Promise<Reply> {
    const started = performance.now();
    const ctx = this.#context(prepared, invocation);
    let release: (() => void) | undefined;
    const running: RunningCommand = { path: prepared.path, caller: invocation.caller };
    this.#running.add(running);
    try {
      if (prepared.action.long) release = this.fairUse.admit();
      // the audit trail as of this command: entries still waiting in the write queue first
      if (prepared.path.split(' ')[0] === 'audit' || prepared.action.afterQueuedAudit) await this.settled();
      const { audit, ...answer } = await prepared.action.handler(ctx, prepared.options);
      const reply = prepared.private ? { ...answer, view: { ...answer.view, ephemeral: true } } : answer;
      if (prepared.path === 'admin grant' || prepared.path === 'admin revoke') this.#roles.clear();
      const audited = audit ?? prepared.action.auditOptions?.(prepared.options, reply.data) ?? prepared.options;
      this.#audit(invocation.caller, prepared.path, audited, 'ok', undefined, performance.now() - started);
      return reply;
    } catch (error) {
      const reply = this.errorReply(error, prepared.path);
      const outcome: AuditOutcome = error instanceof UserError ? 'user_error' : 'error';
      this.#audit(
        invocation.caller,
        prepared.path,
        prepared.action.auditOptions?.(prepared.options) ?? prepared.options,
        outcome,
        (reply.data as ErrorData).error.message,
        performance.now() - started,
      );
      return reply;
    } finally {
      release?.();
      this.#running.delete(running);
      this.#answered();
      if (this.#running.size === 0) for (const resolve of this.#whenIdle.splice(0)) resolve();
    }
  }

  /** Refuses every new command from now on (shutdown); commands already running carry on. */
  drain(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** The commands running now: who started them, where. */
  running(): RunningCommand[] {
    return [...this.#running];
  }

  /** Resolves when no command is running. */
  idle(): Promise<void> {
    if (this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenIdle.push(resolve));
  }

  /** prepare + run; never throws. */
  async execute(invocation: Invocation): Promise<Reply> {
    let prepared: PreparedCommand;
    try {
      prepared = await this.prepare(invocation);
    } catch (error) {
      await this.settled();
      return this.errorReply(error, invocationName(invocation));
    }
    const reply = await this.run(prepared, invocation);
    await this.settled();
    return reply;
  }

  /** Resolves when the audit entries (and other queued writes) of earlier commands are written. */
  async settled(): Promise<void> {
    await this.writes.flush();
  }

  /**
   * A user error as written; a resource failure (disk full, database down, locked, out of
   * connections, read-only) as the sentence naming the resource and the fix; anything else as an
   * apology with an id that is in the logs.
   */
  errorReply(error: unknown, command: string): Reply<ErrorData> {
    const resource = resourceError(error, { databaseUrl: this.config.DATABASE_URL, outDir: this.outDir });
    if (resource) this.logger.error({ err: error, code: resource.code, command }, resource.message);
    error = resource ?? error;
    if (error instanceof UserError) {
      return {
        ok: false,
        data: {
          error: { code: error.code, message: mentionsAsText(error.message), ...(error.hint ? { hint: mentionsAsText(error.hint) } : {}) },
        },
        view: { text: `⚠️ ${error.text}`, ephemeral: true },
      };
    }
    const internal = error instanceof InternalError ? error : new InternalError(error);
    this.logger.error({ err: internal.cause, errorId: internal.errorId, command }, 'command failed');
    return {
      ok: false,
      data: { error: { code: 'internal_error', message: internal.text, error_id: internal.errorId } },
      view: { text: `❌ ${internal.text}`, ephemeral: true },
    };
  }

  #context(prepared: PreparedCommand, invocation: Invocation): CommandContext {
    const sink = invocation.onProgress ?? (() => {});
    return {
      command: prepared.path,
      caller: invocation.caller,
      role: prepared.role,
      db: this.db,
      config: this.config,
      logger: this.logger.child({ command: prepared.path }),
      outDir: this.outDir,
      uploads: invocation.uploads ?? [],
      now: this.now,
      progress: throttleProgress(sink),
      signal: invocation.signal,
      notify: this.notify,
      updatePosted: this.updatePosted,
      commands: this.registry,
      sources: this.sources,
    };
  }

  /**
   * Audits a refusal made outside prepare (an event from a workspace that is not allowed): outcome
   * `denied`, written with the next batch.
   */
  auditRefusal(caller: Caller, command: string, detail: string, options: Record<string, unknown> = {}): void {
    this.#audit(caller, command, options, 'denied', mentionsAsText(detail), 0);
  }

  /** Queued, not awaited: written with the next batch (failures are logged by the queue). */
  #audit(
    caller: Caller,
    command: string,
    options: Record<string, unknown>,
    outcome: AuditOutcome,
    detail: string | undefined,
    durationMs: number,
  ): void {
    const entry = { caller, command, options, outcome, detail, durationMs, at: this.now() };
    this.writes.enqueueInto(auditWrites, entry);
  }
}

export interface RunningCommand {
  path: string;
  caller: Caller;
}

function restartingError(): UserError {
  return new UserError('restarting', 'The bot is restarting and takes no new commands right now.', {
    hint: 'Send the command again in a minute, once the bot is back.',
  });
}

/** `import` for `/import orders x.csv`, for audit entries of lines that never parsed. */
function invocationName(invocation: Invocation): string {
  if (invocation.command) return [invocation.command, invocation.subcommand].filter(Boolean).join(' ');
  return (invocation.text ?? '').trim().split(/\s+/)[0]?.replace(/^\//, '') || '?';
}
