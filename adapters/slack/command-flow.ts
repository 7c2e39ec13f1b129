import type { RespondArguments } from '@slack/bolt';
import type { Bot, Invocation, PreparedCommand } from '../../src/core/bot.ts';
import type { Caller, ProgressUpdate, Upload } from '../../src/core/context.ts';
import { actionsOf } from '../../src/core/command.ts';
import { describeOptions } from '../../src/core/option-schema.ts';
import { parseCommandLine } from '../../src/core/parse.ts';
import { neutralNotice, progressBar } from '../../src/core/progress.ts';
import type { Reply } from '../../src/core/reply.ts';
import type { Logger } from '../../src/logger.ts';
import type { SlackLimits } from './limits.ts';
import { slackErrorCode, type SlackPoster } from './poster.ts';
import { escapeMrkdwn, renderReply, type SlackMessage } from './render.ts';
import { latestSharedCsv } from './shared-files.ts';
import { sharedFileUpload } from './file-drops.ts';
import { isSharedFileRef } from '../../src/import/drop-prompt.ts';
import type { UserGroupCache } from './user-groups.ts';
import { AfterAcks } from './after-acks.ts';
import { formRequested } from '../../src/core/forms.ts';
import type { SlackForms } from './forms.ts';

/** What the first answer (the ack) carries: nothing, or an ephemeral message. */
export type AckPayload = { response_type: 'ephemeral' | 'in_channel'; text: string; blocks?: SlackMessage['blocks'] } | undefined;

export interface CommandRequest {
  /** The typed line, with the command: `/import orders`. */
  text: string;
  userId: string;
  userName?: string;
  channelId: string;
  /** The workspace (team) the request came from, and its Enterprise Grid organization if any. */
  teamId?: string;
  enterpriseId?: string;
  /** Sends the acknowledgement; must be called once, at once. */
  acknowledge(payload: AckPayload): Promise<void>;
  /**
   * HTTP mode: resolves after the ack, once the request's receipt is stored; false when another
   * instance stored it first (a replay: the work is dropped). A failed store lets the work run.
   */
  receipt?: Promise<boolean>;
  /** Bolt's respond() over the payload's response_url, when there is one. */
  respond?: (message: RespondArguments) => Promise<unknown>;
  /** What a button's form asked for (Button.asks), added to the line's options. */
  answers?: Record<string, string>;
  /** A slash command's trigger_id: opens a form (views.open) within 3 seconds. */
  triggerId?: string;
}

/** A command request before its ack: the response URL's respond() comes with the dispatch that follows. */
export type AcceptRequest = Omit<CommandRequest, 'respond'> & Partial<Pick<CommandRequest, 'respond'>>;

/** A command validated, role-checked and acknowledged, waiting to run. */
export interface AcceptedCommand {
  prepared: PreparedCommand;
  invocation: Invocation;
  request: AcceptRequest;
}

export interface CommandFlowDeps {
  bot: Bot;
  poster: SlackPoster;
  logger: Logger;
  limits: SlackLimits;
  botToken: string;
  /** Set when ROLE_MAP has slack entries. */
  groups?: UserGroupCache;
  /** How long the shared-file lookup may hold the ack up. */
  lookupTimeoutMs?: number;
  /** Where work after an ack is queued (HTTP mode: behind the requests still being acknowledged). */
  afterAcks?: AfterAcks;
  /** Opens a command's form instead of running it (see formRequested). */
  forms?: Pick<SlackForms, 'open'>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

/** A slash command's payload fields (the HTTP form body, or Bolt's `command` in Socket Mode). */
export interface SlashCommandFields {
  command: string;
  text?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  team_id?: string;
  enterprise_id?: string;
  trigger_id?: string;
}

/** The request of a slash command, before its ack: the typed line and who typed it where. */
export function slashCommandRequest(
  fields: SlashCommandFields,
  acknowledge: CommandRequest['acknowledge'],
  receipt: Promise<boolean> | undefined,
): AcceptRequest {
  return {
    ...(receipt ? { receipt } : {}),
    text: `${fields.command} ${unescapeSlackText(fields.text ?? '')}`.trim(),
    userId: fields.user_id ?? '',
    userName: fields.user_name,
    channelId: fields.channel_id ?? '',
    ...(fields.team_id ? { teamId: fields.team_id } : {}),
    ...(fields.enterprise_id ? { enterpriseId: fields.enterprise_id } : {}),
    ...(fields.trigger_id ? { triggerId: fields.trigger_id } : {}),
    acknowledge,
  };
}

/** Slack escapes &, < and > in slash command text; mentions (`<@U123|ann>`) arrive as real brackets. */
export function unescapeSlackText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function progressMessage(path: string, update: ProgressUpdate | undefined): SlackMessage {
  const detail = update ? escapeMrkdwn(progressBar(update.fraction, update.message)) : '⏳ starting…';
  return {
    text: `⏳ /${path} is running`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `⏳ Working on */${path}*…` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: detail }] },
    ],
  };
}

/** The core's neutral line as a Slack message. */
function neutralMessage(path: string, ok: boolean): SlackMessage {
  const text = neutralNotice(path, ok);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } }] };
}

/**
 * One command from Slack, start to finish: identify the caller, validate and check the role
 * before acknowledging (errors go in the ack, only the caller sees them), acknowledge, run the
 * command after the ack and deliver its reply. Nothing after the ack is dropped silently.
 */
export class CommandFlow {
  readonly #inflight = new Set<Promise<void>>();
  readonly #afterAcks: AfterAcks;
  readonly #sources = new Map<string, boolean>();

  constructor(private readonly deps: CommandFlowDeps) {
    this.#afterAcks = deps.afterAcks ?? new AfterAcks();
  }

  /** Who asks, where; user groups are looked up only for a workspace the bot answers. */
  async caller(
    userId: string,
    channelId: string,
    userName?: string,
    tenant: { teamId?: string; enterpriseId?: string } = {},
  ): Promise<Caller> {
    const caller: Caller = {
      platform: 'slack',
      userId,
      channelId,
      ...(userName ? { userName } : {}),
      ...(tenant.teamId ? { workspaceId: tenant.teamId } : {}),
      ...(tenant.enterpriseId ? { enterpriseId: tenant.enterpriseId } : {}),
    };
    if (!this.deps.groups || !this.deps.bot.tenancy.allowsWorkspace(caller)) return caller;
    return { ...caller, platformRoles: await this.deps.groups.groupsOf(userId) };
  }

  async handle(request: CommandRequest): Promise<void> {
    const accepted = await this.accept(request);
    if (accepted) this.complete(accepted, request.respond);
  }

  /**
   * Everything before the ack: identifies the caller, validates the line and checks the role,
   * then acknowledges (errors in the ack itself, only the caller sees them). Returns the command
   * to run after the ack, or undefined when it was refused.
   */
  async accept(request: AcceptRequest): Promise<AcceptedCommand | undefined> {
    const { bot } = this.deps;
    const caller = await this.caller(request.userId, request.channelId, request.userName, request);
    // another workspace's request is refused by prepare: nothing of it is looked up first
    const uploads = bot.tenancy.allowsWorkspace(caller) ? await this.sharedUploads(request.text, caller) : undefined;
    const formLine = request.triggerId && this.deps.forms && !uploads ? formRequested(bot.registry, request.text) : undefined;
    if (formLine !== undefined) {
      await this.deps.forms!.open({ ...request, triggerId: request.triggerId! }, caller, formLine);
      return undefined;
    }
    const invocation: Invocation = {
      caller,
      text: request.text,
      ...(request.answers ? { answers: request.answers } : {}),
      ...(uploads ? { uploads } : {}),
    };
    let prepared: PreparedCommand;
    try {
      prepared = await bot.prepare(invocation);
    } catch (error) {
      const name = request.text.trim().split(/\s+/)[0] ?? '?';
      const message = renderReply(bot.errorReply(error, name), this.deps.limits).messages[0]!;
      await request.acknowledge({ response_type: 'ephemeral', text: message.text, blocks: message.blocks });
      return undefined;
    }
    await request.acknowledge(prepared.action.long ? { response_type: 'ephemeral', text: `⏳ Working on /${prepared.path}…` } : undefined);
    return { prepared, invocation, request };
  }

  /** After the ack: runs an accepted command (once pending acks are out) and delivers its answer. */
  complete(accepted: AcceptedCommand, respond: CommandRequest['respond']): void {
    const { prepared, invocation } = accepted;
    const request: CommandRequest = { ...accepted.request, ...(respond ? { respond } : {}) };
    const work = new Promise<void>((resolve) => this.#afterAcks.run(resolve))
      .then(() => this.#firstDelivery(request))
      .then((first) => {
        if (first) return this.finish(prepared, invocation, request);
        this.deps.logger.warn(
          { command: prepared.path, user: request.userId },
          'slack: request already received by another instance (a replay); not run',
        );
      })
      .catch((error: unknown) => {
        this.deps.logger.error({ err: error, command: prepared.path }, 'slack: a command failed after its ack and could not be reported');
      });
    this.#inflight.add(work);
    void work.finally(() => this.#inflight.delete(work));
  }

  async #firstDelivery(request: CommandRequest): Promise<boolean> {
    if (!request.receipt) return true;
    try {
      return await request.receipt;
    } catch (error) {
      // the replay store failing must not stop Slack traffic: Bolt verified the request
      this.deps.logger.error({ err: error }, 'slack: could not store the request receipt; the command runs');
      return true;
    }
  }

  /** Resolves when every command acknowledged so far has delivered its answer and its audit entry is written. */
  async idle(): Promise<void> {
    while (this.#inflight.size) await Promise.all([...this.#inflight]);
    await this.deps.bot.settled();
  }

  /** `/import orders` without a source: the most recent CSV the user shared in this channel. */
  async sharedUploads(text: string, caller: Caller): Promise<Upload[] | undefined> {
    if (!this.#takesSource(text)) return undefined;
    let parsed;
    try {
      parsed = parseCommandLine(this.deps.bot.registry, text);
    } catch {
      return undefined;
    }
    const source = describeOptions(parsed.action.options).find((info) => info.kind === 'source');
    const given = source ? parsed.raw[source.name] : undefined;
    if (source && typeof given === 'string' && isSharedFileRef(given) && caller.channelId) return this.#sharedFile(given, caller.channelId);
    if (!source || given !== undefined || !caller.channelId) return undefined;
    try {
      const upload = await withTimeout(
        latestSharedCsv(this.deps.poster.client, this.deps.botToken, caller.userId, caller.channelId),
        this.deps.lookupTimeoutMs ?? 1200,
      );
      return upload ? [upload] : undefined;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'slack: could not list the files shared in the channel');
      return undefined;
    }
  }

  /** `/import orders file:F…` (a file-drop button, or typed): that file, if it was shared in this channel. */
  async #sharedFile(ref: string, channelId: string): Promise<Upload[] | undefined> {
    try {
      const upload = await withTimeout(
        sharedFileUpload(this.deps.poster.client, this.deps.botToken, ref, channelId),
        this.deps.lookupTimeoutMs ?? 1200,
      );
      return upload ? [upload] : undefined;
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'slack: could not look up a shared file');
      return undefined;
    }
  }

  /** Whether any action of the line's command has a source option: most have none, and their line is not parsed twice. */
  #takesSource(text: string): boolean {
    const name = text.trim().split(/\s+/)[0]?.replace(/^\//, '').toLowerCase() ?? '';
    let known = this.#sources.get(name);
    if (known === undefined) {
      try {
        known = actionsOf(this.deps.bot.registry.get(name)).some(({ action }) =>
          describeOptions(action.options).some((info) => info.kind === 'source'),
        );
      } catch {
        known = true; // unknown or misspelt: let the full parse decide
      }
      if (this.#sources.size < 1000) this.#sources.set(name, known);
    }
    return known;
  }

  async finish(prepared: PreparedCommand, invocation: Invocation, request: CommandRequest): Promise<void> {
    const { poster, logger } = this.deps;
    const channel = request.channelId;
    let progressTs: string | undefined;
    let pending: ProgressUpdate | undefined;
    let pumping: Promise<void> | undefined;
    // a private command's progress stays in its ephemeral acknowledgement: nothing in the channel
    if (prepared.action.long && !prepared.private) {
      try {
        progressTs = await poster.postMessage(channel, progressMessage(prepared.path, undefined));
      } catch (error) {
        logger.warn({ err: error, channel }, 'slack: could not post the progress message; the answer goes through the response URL');
      }
    }
    const pump = async () => {
      while (pending && progressTs) {
        const update = pending;
        pending = undefined;
        try {
          await poster.update(channel, progressTs, progressMessage(prepared.path, update));
        } catch (error) {
          logger.warn({ err: error }, 'slack: progress update failed');
        }
      }
    };
    const onProgress = progressTs
      ? (update: ProgressUpdate) => {
          pending = update;
          pumping ??= pump().finally(() => (pumping = undefined));
        }
      : undefined;

    const reply = await this.deps.bot.run(prepared, { ...invocation, ...(onProgress ? { onProgress } : {}) });
    pending = undefined;
    await pumping;
    try {
      await this.deliver(reply, request, progressTs, prepared.path);
    } catch (error) {
      await this.reportFailure(prepared.path, error, request, progressTs);
    }
  }

  /**
   * Delivers a reply: in place of the progress message, through the response URL, or in the
   * channel. A private answer (or an error) after a public progress message leaves a neutral
   * line there and goes to the caller alone; its files go to their direct messages.
   */
  async deliver(reply: Reply, request: CommandRequest, progressTs?: string, path = '?'): Promise<void> {
    const { poster } = this.deps;
    const rendered = renderReply(reply, this.deps.limits);
    const channel = request.channelId;
    let messages = rendered.messages;
    if (progressTs && rendered.ephemeral) {
      await poster.update(channel, progressTs, neutralMessage(path, reply.ok));
    } else if (progressTs) {
      await poster.update(channel, progressTs, messages[0]!);
      messages = messages.slice(1);
    }
    for (const message of messages) {
      if (progressTs && !rendered.ephemeral) {
        await poster.postMessage(channel, message);
        continue;
      }
      await this.answer(request, message, rendered.ephemeral);
    }
    if (!rendered.files.length) return;
    let target = channel;
    try {
      if (rendered.ephemeral) target = await poster.directChannel(request.userId);
      await poster.uploadFiles(target, rendered.files, rendered.ephemeral ? undefined : progressTs);
    } catch (error) {
      const code = slackErrorCode(error);
      const hint = rendered.ephemeral
        ? ' The file is only sent to you in a direct message: open the app’s Messages tab and try again.'
        : code === 'not_in_channel' || code === 'channel_not_found'
          ? ' Invite the app to this channel (/invite @growthbot) to receive files.'
          : '';
      await this.answer(
        request,
        {
          text: escapeMrkdwn(`Could not attach ${rendered.files.map((f) => f.filename).join(', ')}: ${code}.${hint}`),
          blocks: [
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: escapeMrkdwn(`⚠️ Could not attach ${rendered.files.map((f) => `*${f.filename}*`).join(', ')} (\`${code}\`).${hint}`),
              },
            },
          ],
        },
        true,
      );
    }
  }

  /** One message through the response URL; when that fails, straight to the channel (or to the user alone). */
  async answer(request: CommandRequest, message: SlackMessage, ephemeral: boolean): Promise<void> {
    const { poster, logger } = this.deps;
    if (request.respond) {
      try {
        await request.respond({
          response_type: ephemeral ? 'ephemeral' : 'in_channel',
          replace_original: false,
          text: message.text,
          blocks: message.blocks,
        });
        return;
      } catch (error) {
        logger.warn({ err: error }, 'slack: respond() failed; posting through the Web API instead');
      }
    }
    if (!ephemeral) return void (await poster.postMessage(request.channelId, message));
    try {
      await poster.postEphemeral(request.channelId, request.userId, message);
    } catch (error) {
      // no ephemeral possible here (the app is not in the channel): a private answer goes to a direct message
      logger.warn({ code: slackErrorCode(error) }, 'slack: ephemeral answer refused; sending it as a direct message');
      await poster.postMessage(await poster.directChannel(request.userId), message);
    }
  }

  /** The command ran but its answer could not be delivered: say so where the user will see it. */
  async reportFailure(path: string, error: unknown, request: CommandRequest, progressTs?: string): Promise<void> {
    const { poster, logger } = this.deps;
    const code = slackErrorCode(error);
    logger.error({ err: error, command: path }, 'slack: could not deliver a reply');
    const text = escapeMrkdwn(`❌ /${path} finished, but its answer could not be posted (${code}). Please try again.`);
    const message: SlackMessage = { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
    try {
      if (progressTs) await poster.postMessage(request.channelId, message, progressTs);
      else await poster.postMessage(request.channelId, message);
      return;
    } catch (postError) {
      logger.warn({ err: postError }, 'slack: could not post the failure notice in the channel');
    }
    await this.answer(request, message, true);
  }
}
