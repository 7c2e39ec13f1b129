import {
  ButtonStyle,
  ComponentType,
  MessageFlags,
  TextInputStyle,
  type APIModalInteractionResponseCallbackData,
  type ButtonInteraction,
  type InteractionReplyOptions,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { FormField } from '../../src/core/button-forms.ts';
import type { Button, Confirmation } from '../../src/core/reply.ts';
import { allowedMentions } from './deliver.ts';
import { DISCORD_LIMITS, DISCORD_MODAL_LIMITS } from './limits.ts';
import { discordMarkdown } from './render.ts';

/**
 * Buttons that confirm first (Button.confirm) or ask for options in a form (Button.asks, e.g. Reject's
 * reason). Their custom_id carries the steps with the command, so they keep working after a restart:
 * `?[reason]/campaign reject 12 request=3` confirms, then asks for the reason, then runs the command.
 * Confirming answers with an ephemeral "…? [Confirm] [Cancel]" whose Confirm carries the rest; the form
 * is a modal whose submission runs the command with the answers (same role checks and audit).
 */

export interface ButtonStep {
  command: string;
  confirm: boolean;
  asks: string[];
}

export const CANCEL_ID = 'growthbot:cancel';

export function encodeStep(step: ButtonStep): string {
  return `${step.confirm ? '?' : ''}${step.asks.length ? `[${step.asks.join(',')}]` : ''}${step.command}`;
}

/** The steps a custom_id's text holds; a plain command (the usual case) has none. */
export function decodeStep(text: string): ButtonStep {
  const match = /^(\?)?(?:\[([\w,]+)\])?([\s\S]*)$/.exec(text)!;
  return { confirm: Boolean(match[1]), asks: match[2] ? match[2].split(',') : [], command: match[3]! };
}

interface Remembered {
  label: string;
  style?: Button['style'];
  confirm?: Confirmation;
}

/** Remembers each stepped button's label and question for its prompt; after a restart a plain question stands in. */
export class ButtonSteps {
  readonly #remembered = new Map<string, Remembered>();

  constructor(readonly capacity = 10_000) {}

  /** What the button's custom_id carries (see ButtonIds): its command, with its steps when it has any. */
  encode(command: string, button?: Button): string {
    const step: ButtonStep = { command, confirm: Boolean(button?.confirm), asks: button?.asks ?? [] };
    if (!step.confirm && !step.asks.length) return command;
    const key = encodeStep({ ...step, confirm: false });
    this.#remembered.delete(key);
    const { label, style, confirm } = button!;
    this.#remembered.set(key, { label, ...(style ? { style } : {}), ...(confirm ? { confirm } : {}) });
    if (this.#remembered.size > this.capacity) this.#remembered.delete(this.#remembered.keys().next().value!);
    return encodeStep(step);
  }

  recall(step: ButtonStep): Remembered | undefined {
    return this.#remembered.get(encodeStep({ ...step, confirm: false }));
  }
}

const truncate = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

function clickedLabel(interaction: ButtonInteraction | undefined): string | undefined {
  const component = interaction?.component as { label?: string | null } | undefined;
  return component?.label ?? undefined;
}

/** The ephemeral question; its Confirm button (`confirmId`) carries the remaining steps. */
export function confirmPrompt(
  interaction: ButtonInteraction,
  step: ButtonStep,
  remembered: Remembered | undefined,
  confirmId: string,
): InteractionReplyOptions & { flags: MessageFlags.Ephemeral } {
  const label = remembered?.label ?? clickedLabel(interaction) ?? 'Run';
  const question = remembered?.confirm ?? { title: `${label}?`, text: `This runs ${step.command}.`, confirm: label, deny: 'Cancel' };
  const content = truncate(discordMarkdown(`*${question.title}*\n${question.text}`), DISCORD_LIMITS.content);
  return {
    content,
    allowedMentions: allowedMentions(undefined),
    flags: MessageFlags.Ephemeral,
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.Button,
            style: remembered?.style === 'danger' ? ButtonStyle.Danger : ButtonStyle.Primary,
            label: truncate(question.confirm, DISCORD_LIMITS.buttonLabel),
            custom_id: confirmId,
          },
          {
            type: ComponentType.Button,
            style: ButtonStyle.Secondary,
            label: truncate(question.deny, DISCORD_LIMITS.buttonLabel),
            custom_id: CANCEL_ID,
          },
        ],
      },
    ],
  };
}

/** Cancel in the prompt: the prompt says so and loses its buttons. */
export async function cancelPrompt(interaction: ButtonInteraction): Promise<void> {
  await interaction.update({ content: 'Cancelled: nothing was done.', components: [], allowedMentions: allowedMentions(undefined) });
}

/** The form: what it runs, then one paragraph input per asked option (custom_id = the option's name). */
export function askModal(
  interaction: ButtonInteraction,
  step: ButtonStep,
  remembered: Remembered | undefined,
  fields: FormField[],
  customId: string,
): APIModalInteractionResponseCallbackData {
  const title = remembered?.label ?? clickedLabel(interaction) ?? 'Send';
  return {
    custom_id: customId,
    title: truncate(title, DISCORD_MODAL_LIMITS.title),
    components: [
      { type: ComponentType.TextDisplay, content: truncate(discordMarkdown(`This runs \`${step.command}\` with your answer.`), 4000) },
      ...fields.slice(0, DISCORD_MODAL_LIMITS.inputs - 1).map((field) => ({
        type: ComponentType.Label as const,
        label: truncate(field.label, DISCORD_MODAL_LIMITS.label),
        description: truncate(field.description, DISCORD_MODAL_LIMITS.labelDescription),
        component: {
          type: ComponentType.TextInput as const,
          custom_id: field.name,
          style: TextInputStyle.Paragraph,
          required: field.required,
          ...(field.minLength ? { min_length: Math.min(field.minLength, DISCORD_MODAL_LIMITS.inputChars) } : {}),
          max_length: Math.min(field.maxLength ?? DISCORD_MODAL_LIMITS.inputChars, DISCORD_MODAL_LIMITS.inputChars),
        },
      })),
    ],
  };
}

/** The submitted answers, by option name (an input left empty is no answer). */
export function answersOf(interaction: ModalSubmitInteraction, asks: string[]): Record<string, string> {
  const answers: Record<string, string> = {};
  for (const name of asks) {
    try {
      answers[name] = interaction.fields.getTextInputValue(name);
    } catch {
      answers[name] = '';
    }
  }
  return answers;
}
