import {
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Client,
  type Interaction,
  type ModalSubmitInteraction,
  type TextBasedChannel,
} from 'discord.js';
import type { Bot, Invocation, PreparedCommand } from '../../src/core/bot.ts';
import type { Caller, Upload } from '../../src/core/context.ts';
import { isSharedFileRef } from '../../src/import/drop-prompt.ts';
import { neutralNotice, progressBar } from '../../src/core/progress.ts';
import { openForeground } from '../../src/jobs/foreground.ts';
import type { Reply } from '../../src/core/reply.ts';
import type { Logger } from '../../src/logger.ts';
import { formFields } from '../../src/core/button-forms.ts';
import {
  answersOf,
  askModal,
  ButtonSteps,
  CANCEL_ID,
  cancelPrompt,
  confirmPrompt,
  decodeStep,
  encodeStep,
  type ButtonStep,
} from './ask-steps.ts';
import { autocompleteChoices } from './autocomplete.ts';
import type { ButtonIds } from './button-ids.ts';
import type { CommandBinding } from './commands.ts';
import { allowedMentions, isTokenError, messageOptions, sendToChannel, sendToUser } from './deliver.ts';
import { DISCORD_LIMITS } from './limits.ts';
import { DiscordForms } from './forms.ts';
import { findAction, findBinding, resolveCall, type ReceivedOption } from './options.ts';
import { discordText, renderReply, type DiscordMessage } from './render.ts';

export interface DiscordTiming {
  /** A command finished within this is answered directly; otherwise the interaction is deferred. */
  ackAfterMs: number;
  /** Past this since the interaction arrived, its token may expire: finish with a channel message. */
  tokenBudgetMs: number;
  /** At most one progress edit per interval. */
  progressIntervalMs: number;
  /** Autocomplete gives up (answers nothing) after this. */
  autocompleteMs: number;
}

export const DEFAULT_TIMING: DiscordTiming = {
  ackAfterMs: 1_500,
  tokenBudgetMs: (DISCORD_LIMITS.tokenMinutes - 1) * 60_000,
  progressIntervalMs: 2_000,
  autocompleteMs: 2_000,
};

export interface InteractionDeps {
  bot: Bot;
  client: Client;
  logger: Logger;
  bindings: CommandBinding[];
  buttonIds: ButtonIds;
  timing: DiscordTiming;
  /** Files a command names by reference (`attachment:<message>/<attachment>`), looked up in the channel it comes from. */
  sharedUploads?: (channel: TextBasedChannel | null, text: string | undefined) => Promise<Upload[] | undefined>;
}

type Answerable = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

/** Who clicked or typed: the user, the server and channel, and the member's Discord role ids. */
export function callerOf(interaction: Interaction): Caller {
  const member = interaction.member;
  const roles = !member ? [] : Array.isArray(member.roles) ? [...member.roles] : [...member.roles.cache.keys()];
  return {
    platform: 'discord',
    userId: interaction.user.id,
    userName: interaction.user.username,
    ...(interaction.channelId ? { channelId: interaction.channelId } : {}),
    ...(interaction.guildId ? { workspaceId: interaction.guildId } : { directMessage: true }),
    platformRoles: roles,
  };
}

const sleep = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

/** Answers every interaction within Discord's 3 seconds; never throws. */
export class InteractionHandler {
  constructor(readonly deps: InteractionDeps) {}

  readonly #handling = new Set<Promise<void>>();
  /** Buttons that confirm or ask first (Button.confirm, Button.asks). */
  readonly steps = new ButtonSteps();
  /** Commands as modals (see forms.ts). */
  readonly forms = new DiscordForms(this);

  /** Handles one interaction to its last message; `idle()` waits for every one under way. */
  async handle(interaction: Interaction): Promise<void> {
    const handling = this.#handle(interaction);
    this.#handling.add(handling);
    try {
      await handling;
    } finally {
      this.#handling.delete(handling);
    }
  }

  /** Resolves when no interaction is being handled. */
  async idle(): Promise<void> {
    while (this.#handling.size > 0) await Promise.allSettled([...this.#handling]);
  }

  async #handle(interaction: Interaction): Promise<void> {
    // background work in worker threads pauses until the interaction is answered or deferred
    const answered = openForeground();
    try {
      if (interaction.isChatInputCommand()) await this.#chatInput(interaction, answered);
      else if (interaction.isButton()) await this.#button(interaction, answered);
      else if (interaction.isAutocomplete()) await this.#autocomplete(interaction);
      else if (interaction.isModalSubmit() && DiscordForms.owns(interaction.customId)) await this.forms.submit(interaction, answered);
      else if (interaction.isModalSubmit()) await this.#modalSubmit(interaction, answered);
    } catch (error) {
      this.deps.logger.error({ err: error, interaction: interaction.id }, 'discord interaction failed');
    } finally {
      answered();
    }
  }

  render(reply: Reply): DiscordMessage[] {
    return renderReply(reply, { buttonId: (command, button) => this.deps.buttonIds.idFor(this.steps.encode(command, button)) });
  }

  async #chatInput(interaction: ChatInputCommandInteraction, answered: () => void): Promise<void> {
    const started = Date.now();
    const caller = callerOf(interaction);
    let invocation: Invocation;
    let prepared: PreparedCommand;
    try {
      const call = resolveCall(this.deps.bindings, interaction.commandName, interaction.options.data as readonly ReceivedOption[]);
      const ref = Object.values(call.options).find((v): v is string => typeof v === 'string' && isSharedFileRef(v));
      const shared = ref ? await this.deps.sharedUploads?.(interaction.channel, ref) : undefined;
      const uploads = [...call.uploads, ...(shared ?? [])];
      invocation = { caller, command: call.command, subcommand: call.subcommand, options: call.options, uploads };
      if (await this.forms.openIfWanted(interaction, invocation)) return;
      prepared = await this.deps.bot.prepare(invocation);
    } catch (error) {
      await this.#refuse(interaction, error, interaction.commandName);
      return;
    }
    await this.#run(interaction, prepared, invocation, started, answered);
  }

  async #button(interaction: ButtonInteraction, answered: () => void): Promise<void> {
    if (DiscordForms.owns(interaction.customId)) return this.forms.button(interaction, answered);
    const started = Date.now();
    if (interaction.customId === CANCEL_ID) return cancelPrompt(interaction);
    const stored = this.deps.buttonIds.commandFor(interaction.customId);
    const step = stored === undefined ? undefined : decodeStep(stored);
    if (step && (step.confirm || step.asks.length)) return this.#firstStep(interaction, step);
    const text = step?.command;
    if (text === undefined) {
      await interaction.reply({
        content: 'This button has expired (the bot restarted since it was posted). Type the command instead.',
        allowedMentions: allowedMentions(undefined),
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const uploads = await this.deps.sharedUploads?.(interaction.channel, text);
    const invocation: Invocation = { caller: callerOf(interaction), text, ...(uploads ? { uploads } : {}) };
    let prepared: PreparedCommand;
    try {
      prepared = await this.deps.bot.prepare(invocation);
    } catch (error) {
      await this.#refuse(interaction, error, text);
      return;
    }
    await this.#run(interaction, prepared, invocation, started, answered);
  }

  /** A button that confirms or asks first: refused at once without the role, else the question or the form. */
  async #firstStep(interaction: ButtonInteraction, step: ButtonStep): Promise<void> {
    try {
      // The form supplies the options it asks for, so they are not validated before it is filled in.
      const invocation = { caller: callerOf(interaction), text: step.command };
      await (step.asks.length ? this.deps.bot.admitForm(invocation) : this.deps.bot.prepare(invocation));
    } catch (error) {
      await this.#refuse(interaction, error, step.command);
      return;
    }
    const remembered = this.steps.recall(step);
    const next = this.deps.buttonIds.idFor(encodeStep({ ...step, confirm: false }));
    if (step.confirm) {
      await interaction.reply(confirmPrompt(interaction, step, remembered, next));
      return;
    }
    await interaction.showModal(askModal(interaction, step, remembered, formFields(this.deps.bot.registry, step.command, step.asks), next));
  }

  /** A button's form submitted: its command runs with the answers, as if typed with them. */
  async #modalSubmit(interaction: ModalSubmitInteraction, answered: () => void): Promise<void> {
    const started = Date.now();
    const stored = this.deps.buttonIds.commandFor(interaction.customId);
    if (stored === undefined) {
      await interaction.reply({
        content: 'This form has expired (the bot restarted since it was opened). Type the command instead.',
        allowedMentions: allowedMentions(undefined),
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    const step = decodeStep(stored);
    const invocation: Invocation = { caller: callerOf(interaction), text: step.command, answers: answersOf(interaction, step.asks) };
    let prepared: PreparedCommand;
    try {
      prepared = await this.deps.bot.prepare(invocation);
    } catch (error) {
      await this.#refuse(interaction, error, step.command);
      return;
    }
    await this.#run(interaction, prepared, invocation, started, answered);
  }

  /** Invalid input or a missing role: an ephemeral answer at once. */
  async #refuse(interaction: Answerable, error: unknown, name: string): Promise<void> {
    const [first, ...rest] = this.render(this.deps.bot.errorReply(error, name));
    await interaction.reply({ ...messageOptions(first!), flags: MessageFlags.Ephemeral });
    for (const message of rest) await interaction.followUp({ ...messageOptions(message), flags: MessageFlags.Ephemeral });
  }

  /** Runs a submitted form's command as a typed one runs (deferral, progress, delivery). */
  runForm(
    interaction: ModalSubmitInteraction | ButtonInteraction,
    prepared: PreparedCommand,
    invocation: Invocation,
    started: number,
    answered: () => void,
  ): Promise<void> {
    return this.#run(interaction, prepared, invocation, started, answered);
  }

  async #run(
    interaction: Answerable,
    prepared: PreparedCommand,
    invocation: Invocation,
    started: number,
    answered: () => void,
  ): Promise<void> {
    const { logger, timing } = this.deps;
    let deferral: Promise<boolean> | undefined;
    const defer = () =>
      // a private command's deferral is ephemeral from the start: nothing of it shows in the channel
      (deferral ??= interaction.deferReply(prepared.private ? { flags: MessageFlags.Ephemeral } : {}).then(
        () => (answered(), true),
        (error: unknown) => {
          answered();
          logger.warn({ err: error, interaction: interaction.id }, 'discord deferReply failed');
          return false;
        },
      ));
    if (prepared.action.long) void defer();

    let lastEdit = -Infinity;
    let editing: Promise<void> | undefined;
    let finished = false;
    invocation.onProgress = (update) => {
      const now = Date.now();
      if (finished || editing || now - lastEdit < timing.progressIntervalMs || now - started > timing.tokenBudgetMs) return;
      lastEdit = now;
      editing = defer()
        .then(async (ok) => {
          if (ok) {
            const content = discordText(progressBar(update.fraction, update.message));
            await interaction.editReply({ content, allowedMentions: allowedMentions(undefined) });
          }
        })
        .catch((error: unknown) => logger.debug({ err: error }, 'discord progress edit failed'))
        .finally(() => {
          editing = undefined;
        });
    };

    // before the token expires, say where the result will appear
    const handOver = setTimeout(
      () => {
        void (deferral ?? Promise.resolve(false)).then(async (ok) => {
          if (ok && !finished)
            await interaction
              .editReply({
                content: prepared.private
                  ? '⏳ Still working; the result will be sent to you in a direct message when it is ready.'
                  : '⏳ Still working; the result will be posted in this channel when it is ready.',
                allowedMentions: allowedMentions(undefined),
              })
              .catch(() => {});
        });
      },
      Math.max(0, timing.tokenBudgetMs - (Date.now() - started)),
    );
    handOver.unref();
    const running = this.deps.bot.run(prepared, invocation);
    if ((await Promise.race([running, sleep(timing.ackAfterMs)])) === 'timeout') void defer();
    const reply = await running;
    finished = true;
    clearTimeout(handOver);
    await editing;
    await this.#deliver(interaction, reply, deferral, started, invocation.caller, prepared);
  }

  /**
   * Answers within the interaction: in the deferral when its visibility matches the answer; after a
   * public deferral a private answer (or an error) leaves a neutral line there and goes to the caller
   * ephemerally. Past the token's life the answer goes to the channel, or privately to a direct message.
   */
  async #deliver(
    interaction: Answerable,
    reply: Reply,
    deferral: Promise<boolean> | undefined,
    started: number,
    caller: Caller,
    prepared: PreparedCommand,
  ): Promise<void> {
    const { logger, timing } = this.deps;
    const messages = this.render(reply);
    const deferred = deferral ? await deferral : false;
    const tokenOld = Date.now() - started > timing.tokenBudgetMs;
    const privately = reply.view.ephemeral === true;
    try {
      if (tokenOld || (deferral && !deferred)) {
        await this.#late(
          interaction,
          messages,
          caller,
          privately ? { path: prepared.path, ok: reply.ok, told: deferred && !prepared.private } : undefined,
        );
        return;
      }
      const flags = privately ? MessageFlags.Ephemeral : undefined;
      const [first, ...rest] = messages;
      if (!deferral) {
        await interaction.reply({ ...messageOptions(first!), ...(flags ? { flags } : {}) });
      } else if (privately && !prepared.private) {
        await interaction.editReply({
          content: neutralNotice(prepared.path, reply.ok),
          embeds: [],
          components: [],
          files: [],
          allowedMentions: allowedMentions(undefined),
        });
        await interaction.followUp({ ...messageOptions(first!), flags: MessageFlags.Ephemeral });
      } else {
        await interaction.editReply(messageOptions(first!, true));
      }
      for (const message of rest) await interaction.followUp({ ...messageOptions(message), ...(flags ? { flags } : {}) });
    } catch (error) {
      if (isTokenError(error)) {
        await this.#late(
          interaction,
          messages,
          caller,
          privately ? { path: prepared.path, ok: reply.ok, told: !prepared.private } : undefined,
        );
        return;
      }
      logger.error({ err: error, interaction: interaction.id }, 'discord reply failed');
      const fallback = this.render(
        this.deps.bot.errorReply(error, interaction.isChatInputCommand() ? interaction.commandName : interaction.customId),
      )[0]!;
      if (!interaction.deferred && !interaction.replied) {
        await interaction.reply({ ...messageOptions(fallback), flags: MessageFlags.Ephemeral });
        return;
      }
      // a public deferral still saying "thinking" ends neutral; the error goes to the caller alone
      if (interaction.deferred && !interaction.replied && !prepared.private) {
        const content = neutralNotice(prepared.path, false);
        await interaction.editReply({ content, embeds: [], components: [], files: [], allowedMentions: allowedMentions(undefined) });
      }
      await interaction.followUp({ ...messageOptions(fallback), flags: MessageFlags.Ephemeral });
    }
  }

  /**
   * Work that outlived the interaction token: a public answer is a channel message that mentions the
   * caller; a private one goes to their direct messages, with a neutral line in the channel when the
   * channel was told the result would appear there.
   */
  async #late(
    interaction: Answerable,
    messages: DiscordMessage[],
    caller: Caller,
    privately: { path: string; ok: boolean; told: boolean } | undefined,
  ): Promise<void> {
    const channelId = interaction.channelId;
    if (!privately) {
      if (!channelId) throw new Error('interaction token expired and there is no channel to answer in');
      await sendToChannel(this.deps.client, channelId, messages, caller.userId);
      return;
    }
    let notice = neutralNotice(privately.path, privately.ok);
    try {
      await sendToUser(this.deps.client, caller.userId, messages);
    } catch (error) {
      this.deps.logger.warn({ err: error, interaction: interaction.id }, 'discord: a private answer could not be sent as a direct message');
      notice = `⚠️ /${privately.path} ${privately.ok ? 'finished' : 'failed'}, but the answer could not be sent to you: allow direct messages from this server's members (Privacy Settings) and run it again.`;
      privately.told = true;
    }
    if (privately.told && channelId)
      await sendToChannel(this.deps.client, channelId, [{ content: notice, embeds: [], files: [], components: [] }], caller.userId);
  }

  async #autocomplete(interaction: AutocompleteInteraction): Promise<void> {
    let choices: { name: string; value: string }[] = [];
    const caller = callerOf(interaction);
    // names from the store are suggested only inside an allowed server (never in a DM)
    if (caller.directMessage || !this.deps.bot.tenancy.allowsWorkspace(caller)) {
      await interaction.respond(choices);
      return;
    }
    try {
      const binding = findBinding(this.deps.bindings, interaction.commandName);
      const { action } = findAction(binding, interaction.options.data as readonly ReceivedOption[]);
      const focused = interaction.options.getFocused(true);
      const option = action.options.find((o) => o.discordName === focused.name);
      if (option) {
        const found = await Promise.race([
          autocompleteChoices(this.deps.bot.db, option.info, String(focused.value)),
          sleep(this.deps.timing.autocompleteMs),
        ]);
        if (found !== 'timeout') choices = found;
      }
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'discord autocomplete failed');
    }
    await interaction.respond(choices);
  }
}
