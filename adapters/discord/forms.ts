import { randomBytes } from 'node:crypto';
import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  TextInputStyle,
  type APIModalInteractionResponseCallbackData,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { FormAdmission, Invocation, PreparedCommand } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { UserError } from '../../src/core/errors.ts';
import { fieldErrors, formOptions, formSpec, formSteps, withStoredChoices, type FormField, type FormSpec } from '../../src/core/forms.ts';
import { describeOptions } from '../../src/core/option-schema.ts';
import { allowedMentions, messageOptions } from './deliver.ts';
import { callerOf, type InteractionHandler } from './interactions.ts';
import { discordText } from './render.ts';
import { DISCORD_MODAL_LIMITS as LIMITS } from './limits.ts';

const PREFIX = 'form:';

/** A form being filled in: kept in memory for a while, for one user, across its steps. */
interface FormSession {
  key: string;
  path: string;
  userId: string;
  spec: FormSpec;
  values: Record<string, string>;
  expires: number;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What a text input says it takes, since Discord modals have no selects, number or date inputs here. */
function placeholder(field: FormField): string | undefined {
  if (field.choices?.length) {
    const values = field.choices.map((c) => c.value);
    return clip(`${values.length > 1 ? 'one of' : ''} ${values.join(', ')}`.trim(), LIMITS.placeholder);
  }
  if (field.kind === 'number') {
    const range =
      field.min !== undefined && field.max !== undefined
        ? ` from ${field.min} to ${field.max}`
        : field.min !== undefined
          ? ` of at least ${field.min}`
          : field.max !== undefined
            ? ` of at most ${field.max}`
            : '';
    return clip(`${field.integer ? 'a whole number' : 'a number'}${range}`, LIMITS.placeholder);
  }
  if (field.kind === 'date') return 'YYYY-MM-DD';
  if (field.example) return clip(`e.g. ${field.example}`, LIMITS.placeholder);
  return clip(field.hint, LIMITS.placeholder);
}

function textInput(field: FormField, value: string | undefined) {
  const current = value ?? field.initial;
  return {
    type: ComponentType.ActionRow as const,
    components: [
      {
        type: ComponentType.TextInput as const,
        custom_id: field.name,
        label: clip(field.label, LIMITS.label),
        style: field.kind === 'long-text' ? TextInputStyle.Paragraph : TextInputStyle.Short,
        required: field.required,
        max_length: Math.min(field.maxLength ?? LIMITS.inputChars, LIMITS.inputChars),
        ...(placeholder(field) ? { placeholder: placeholder(field) } : {}),
        ...(current !== undefined && current !== '' ? { value: current.slice(0, LIMITS.inputChars) } : {}),
      },
    ],
  };
}

/** One step of a form as a Discord modal: at most five text inputs. */
export function formModal(session: FormSession, step: number): APIModalInteractionResponseCallbackData {
  const steps = formSteps(session.spec, LIMITS.inputs);
  const fields = steps[step] ?? [];
  const of = steps.length > 1 ? ` (${step + 1}/${steps.length})` : '';
  return {
    custom_id: `${PREFIX}${session.key}:${step}`,
    title: `${clip(session.spec.title, LIMITS.title - of.length)}${of}`,
    components: fields.map((field) => textInput(field, session.values[field.name])),
  };
}

function button(label: string, customId: string, style: ButtonStyle = ButtonStyle.Primary) {
  return { type: ComponentType.Button as const, style, label, custom_id: customId };
}

const row = (...buttons: ReturnType<typeof button>[]) => [{ type: ComponentType.ActionRow as const, components: buttons }];

/**
 * Commands as Discord modals: a command sent without its required options opens its form
 * (showModal); more than five fields go in steps joined by a Continue button, the values kept in
 * memory for `ttlMs`. The last step runs the command through bot.prepare / bot.run like a typed one;
 * errors come back in an ephemeral reply whose button reopens the form with the values kept, and
 * an action with a preview shows it with a Save button first.
 */
export class DiscordForms {
  readonly #sessions = new Map<string, FormSession>();

  constructor(
    private readonly handler: InteractionHandler,
    readonly ttlMs = 15 * 60_000,
    readonly capacity = 1000,
  ) {}

  static owns(customId: string): boolean {
    return customId.startsWith(PREFIX);
  }

  /** Opens the form when the call leaves a required option out; false when the command runs as sent. */
  async openIfWanted(interaction: ChatInputCommandInteraction, invocation: Invocation): Promise<boolean> {
    const { bot } = this.handler.deps;
    let action;
    try {
      const command = bot.registry.get(invocation.command ?? '');
      action = bot.registry.action(command, invocation.subcommand).action;
    } catch {
      return false;
    }
    const given = invocation.options ?? {};
    const missing = describeOptions(action.options).some(
      (info) => info.required && given[info.name] === undefined && !(info.kind === 'source' && invocation.uploads?.length),
    );
    if (!missing) return false;
    let admission: FormAdmission;
    try {
      admission = await bot.admitForm(invocation);
    } catch (error) {
      await this.#error(interaction, error, invocation.command ?? '?');
      return true;
    }
    const spec = await withStoredChoices(bot.db, formSpec(admission.path, admission.action, admission.raw));
    const session = this.#start(spec, invocation.caller);
    await interaction.showModal(formModal(session, 0));
    return true;
  }

  #start(spec: FormSpec, caller: Caller): FormSession {
    const now = Date.now();
    for (const [key, session] of this.#sessions) if (session.expires < now) this.#sessions.delete(key);
    if (this.#sessions.size >= this.capacity) this.#sessions.delete(this.#sessions.keys().next().value!);
    const session: FormSession = {
      key: randomBytes(9).toString('base64url'),
      path: spec.path,
      userId: caller.userId,
      spec,
      values: {},
      expires: now + this.ttlMs,
    };
    this.#sessions.set(session.key, session);
    return session;
  }

  /** The session behind a custom_id, for its own user only. */
  async #session(interaction: ModalSubmitInteraction | ButtonInteraction): Promise<{ session: FormSession; parts: string[] } | undefined> {
    const [key = '', ...parts] = interaction.customId.slice(PREFIX.length).split(':');
    const session = this.#sessions.get(key);
    if (!session || session.expires < Date.now() || session.userId !== interaction.user.id) {
      await interaction.reply({
        content: 'This form has expired or belongs to someone else. Send the command again to open a new one.',
        allowedMentions: allowedMentions(undefined),
        flags: MessageFlags.Ephemeral,
      });
      return undefined;
    }
    session.expires = Date.now() + this.ttlMs;
    return { session, parts };
  }

  async #error(interaction: ModalSubmitInteraction | ButtonInteraction | ChatInputCommandInteraction, error: unknown, name: string) {
    const [first] = this.handler.render(this.handler.deps.bot.errorReply(error, name));
    await interaction.reply({ ...messageOptions(first!), flags: MessageFlags.Ephemeral });
  }

  /** A modal's submission: keep its values, then the next step, or errors, a preview, or the run. */
  async submit(interaction: ModalSubmitInteraction, answered: () => void): Promise<void> {
    const found = await this.#session(interaction);
    if (!found) return;
    const { session, parts } = found;
    const step = Number(parts[0] ?? 0);
    const steps = formSteps(session.spec, LIMITS.inputs);
    for (const field of steps[step] ?? []) {
      try {
        session.values[field.name] = interaction.fields.getTextInputValue(field.name);
      } catch {
        // not in this submission
      }
    }
    if (step + 1 < steps.length) {
      await interaction.reply({
        content: `Step ${step + 1} of ${steps.length} of ${session.spec.title} is kept. Continue with the next ${steps[step + 1]!.length} fields.`,
        components: row(button('Continue', `${PREFIX}${session.key}:next:${step + 1}`)),
        allowedMentions: allowedMentions(undefined),
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    await this.#finish(interaction, session, false, answered);
  }

  /** Continue, Fix, Edit and Save buttons of a form. */
  async button(interaction: ButtonInteraction, answered: () => void): Promise<void> {
    const found = await this.#session(interaction);
    if (!found) return;
    const { session, parts } = found;
    const [what, step] = parts;
    if (what === 'save') return this.#finish(interaction, session, true, answered);
    await interaction.showModal(formModal(session, Number(step ?? 0)));
  }

  async #finish(
    interaction: ModalSubmitInteraction | ButtonInteraction,
    session: FormSession,
    save: boolean,
    answered: () => void,
  ): Promise<void> {
    const { bot } = this.handler.deps;
    const started = Date.now();
    const [command, subcommand] = session.path.split(' ');
    let prepared: PreparedCommand;
    let invocation: Invocation;
    try {
      const { action } = bot.registry.action(bot.registry.get(command ?? ''), subcommand);
      const caller = callerOf(interaction);
      invocation = { caller, command, subcommand, options: formOptions(session.spec, action, session.values) };
      prepared = await bot.prepare(invocation);
      if (!save && prepared.action.formPreview) {
        const preview = await bot.formPreview(prepared, invocation);
        const [first] = this.handler.render({ ok: true, data: null, view: { ...preview!, buttons: [] } });
        await interaction.reply({
          ...messageOptions(first!),
          components: row(
            button('Save', `${PREFIX}${session.key}:save`, ButtonStyle.Success),
            button('Edit', `${PREFIX}${session.key}:edit:0`, ButtonStyle.Secondary),
          ),
          flags: MessageFlags.Ephemeral,
        });
        return;
      }
    } catch (error) {
      await this.#fixable(interaction, session, error);
      return;
    }
    this.#sessions.delete(session.key);
    await this.handler.runForm(interaction, prepared, invocation, started, answered);
  }

  /** Errors by field, in an ephemeral reply whose button reopens the step of the first one with the values kept. */
  async #fixable(interaction: ModalSubmitInteraction | ButtonInteraction, session: FormSession, error: unknown): Promise<void> {
    if (!(error instanceof UserError)) {
      await this.#error(interaction, error, session.path);
      return;
    }
    const errors = fieldErrors(error, session.spec);
    const steps = formSteps(session.spec, LIMITS.inputs);
    const first = Object.keys(errors)[0];
    const step = Math.max(
      0,
      steps.findIndex((fields) => fields.some((f) => f.name === first)),
    );
    const lines = Object.entries(errors).map(([name, message]) => {
      const label = session.spec.fields.find((f) => f.name === name)?.label ?? name;
      return `• **${discordText(label)}**: ${discordText(message)}`;
    });
    await interaction.reply({
      content: clip(`❌ ${session.spec.title} was not run:\n${lines.join('\n')}`, 2000),
      components: row(button('Fix the form', `${PREFIX}${session.key}:fix:${step}`)),
      allowedMentions: allowedMentions(undefined),
      flags: MessageFlags.Ephemeral,
    });
  }
}
