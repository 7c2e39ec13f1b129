import { createHash } from 'node:crypto';
import type { App, webApi } from '@slack/bolt';
import type { Bot, Invocation, PreparedCommand } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import {
  fieldErrors,
  formCommandLine,
  formOptions,
  formSpec,
  withStoredChoices,
  type FormField,
  type FormSpec,
} from '../../src/core/forms.ts';
import type { View } from '../../src/core/reply.ts';
import type { Logger } from '../../src/logger.ts';
import type { AcceptRequest, CommandFlow } from './command-flow.ts';
import { SLACK_MODAL_LIMITS as LIMITS, type SlackLimits } from './limits.ts';
import { slackErrorCode } from './poster.ts';
import { escapeMrkdwn, renderReply, type SlackMessage } from './render.ts';

/** The callback_id of every form modal. */
export const FORM_CALLBACK = 'growthbot_form';
const ACTION = 'value';

type Block = Record<string, unknown>;
export interface ModalView {
  type: 'modal';
  callback_id: string;
  title: { type: 'plain_text'; text: string };
  submit: { type: 'plain_text'; text: string };
  close: { type: 'plain_text'; text: string };
  private_metadata: string;
  blocks: Block[];
}

/** What a modal carries between submissions: the command, the channel, the hash of the values last previewed. */
interface FormMetadata {
  p: string;
  c: string;
  h?: string;
}

const plain = (text: string, max: number) => ({ type: 'plain_text' as const, text: clip(text, max) });

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function option(choice: { label: string; value: string }) {
  return { text: plain(choice.label, LIMITS.optionText), value: choice.value.slice(0, LIMITS.optionValue) };
}

function element(field: FormField): Block {
  switch (field.kind) {
    case 'select': {
      const options = (field.choices ?? []).slice(0, LIMITS.options).map(option);
      const initial = options.find((o) => o.value === field.initial);
      return {
        type: 'static_select',
        action_id: ACTION,
        placeholder: plain('Choose…', LIMITS.placeholder),
        options,
        ...(initial ? { initial_option: initial } : {}),
      };
    }
    case 'number':
      return {
        type: 'number_input',
        action_id: ACTION,
        is_decimal_allowed: !field.integer,
        ...(field.min !== undefined ? { min_value: String(field.min) } : {}),
        ...(field.max !== undefined ? { max_value: String(field.max) } : {}),
        ...(field.initial !== undefined && Number.isFinite(Number(field.initial)) ? { initial_value: field.initial } : {}),
      };
    case 'date':
      return {
        type: 'datepicker',
        action_id: ACTION,
        ...(field.initial && /^\d{4}-\d{2}-\d{2}$/.test(field.initial) ? { initial_date: field.initial } : {}),
      };
    case 'user':
      return {
        type: 'users_select',
        action_id: ACTION,
        ...(field.initial && /^[UW][A-Z0-9]+$/.test(field.initial) ? { initial_user: field.initial } : {}),
      };
    case 'channel':
      return {
        type: 'conversations_select',
        action_id: ACTION,
        ...(field.initial && /^[CGD][A-Z0-9]+$/.test(field.initial) ? { initial_conversation: field.initial } : {}),
      };
    default:
      return {
        type: 'plain_text_input',
        action_id: ACTION,
        multiline: field.kind === 'long-text',
        max_length: Math.min(field.maxLength ?? LIMITS.inputChars, LIMITS.inputChars),
        ...(field.example ? { placeholder: plain(`e.g. ${field.example}`, LIMITS.placeholder) } : {}),
        ...(field.initial !== undefined ? { initial_value: field.initial.slice(0, LIMITS.inputChars) } : {}),
      };
  }
}

function inputBlock(field: FormField): Block {
  const bounds = field.kind === 'number' && field.min !== undefined && field.max !== undefined ? ` (${field.min} to ${field.max})` : '';
  return {
    type: 'input',
    block_id: field.name,
    optional: !field.required,
    label: plain(field.label, LIMITS.label),
    hint: plain(`${field.hint}${bounds}`, LIMITS.label),
    element: element(field),
  };
}

/** A preview (the rendered email) as blocks above the form's fields. */
function previewBlocks(preview: View, budget: number): Block[] {
  const rendered = renderReply({ ok: true, data: null, view: { ...preview, buttons: [] } });
  const blocks = rendered.messages.flatMap((m) => (m.blocks ?? []) as unknown as Block[]);
  return [...blocks.slice(0, Math.max(0, budget - 1)), { type: 'divider' }];
}

/** The modal of a form: one input block per field (at most 100 blocks), with a preview on top once there is one. */
export function formModal(spec: FormSpec, metadata: FormMetadata, preview?: View): ModalView {
  const intro: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: clip(escapeMrkdwn(spec.description), LIMITS.sectionText) } }];
  const top = preview ? previewBlocks(preview, LIMITS.blocks - spec.fields.length - intro.length) : [];
  const inputs = spec.fields.map(inputBlock);
  const blocks = [...intro, ...top, ...inputs].slice(0, LIMITS.blocks);
  const submit = preview ? 'Save' : spec.previews ? 'Preview' : 'Run';
  return {
    type: 'modal',
    callback_id: FORM_CALLBACK,
    title: plain(spec.title, LIMITS.title),
    submit: plain(submit, LIMITS.title),
    close: plain('Cancel', LIMITS.title),
    private_metadata: JSON.stringify(metadata).slice(0, LIMITS.metadata),
    blocks,
  };
}

/** The submitted value of each input block, as text (empty inputs left out). */
export function submittedValues(view: {
  state?: { values?: Record<string, Record<string, Record<string, unknown>>> };
}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [blockId, actions] of Object.entries(view.state?.values ?? {})) {
    const input = actions[ACTION];
    if (!input) continue;
    const selected = input.selected_option as { value?: string } | null | undefined;
    const value =
      selected?.value ??
      (input.value as string | null | undefined) ??
      (input.selected_date as string | null | undefined) ??
      (input.selected_user as string | null | undefined) ??
      (input.selected_conversation as string | null | undefined) ??
      (input.selected_channel as string | null | undefined);
    if (typeof value === 'string' && value !== '') values[blockId] = value;
  }
  return values;
}

function notice(text: string): SlackMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(text) } }] };
}

function valuesHash(options: Record<string, unknown>): string {
  return createHash('sha256')
    .update(JSON.stringify(Object.entries(options).sort()))
    .digest('base64url')
    .slice(0, 16);
}

export interface SlackFormsDeps {
  bot: Bot;
  client: webApi.WebClient;
  logger: Logger;
  limits: SlackLimits;
  /** The command flow (made after the forms): runs a submitted form as it runs a typed command. */
  flow: () => CommandFlow;
}

/**
 * Commands as Slack modals: opened from a slash command's trigger_id (views.open), submitted as
 * view_submission. A submission becomes the options of the same command and goes through
 * bot.prepare (role, validation: errors beside the fields via `response_action: errors`) and
 * bot.run (audit) like a typed one; an action with a formPreview shows it first (`update`).
 */
export class SlackForms {
  readonly #inflight = new Set<Promise<void>>();

  constructor(private readonly deps: SlackFormsDeps) {}

  /** Opens the form of `line` (a typed command with options missing, or ending in `form`). */
  async open(request: AcceptRequest & { triggerId: string }, caller: Caller, line: string): Promise<void> {
    const { bot, client, logger } = this.deps;
    let admission;
    try {
      admission = await bot.admitForm({ caller, text: line });
    } catch (error) {
      const message = renderReply(bot.errorReply(error, line.split(/\s+/)[0] ?? '?'), this.deps.limits).messages[0]!;
      await request.acknowledge({ response_type: 'ephemeral', text: message.text, blocks: message.blocks });
      return;
    }
    await request.acknowledge(undefined);
    const work = (async () => {
      const spec = await withStoredChoices(bot.db, formSpec(admission.path, admission.action, admission.raw));
      try {
        await client.views.open({ trigger_id: request.triggerId, view: formModal(spec, { p: spec.path, c: request.channelId }) as never });
      } catch (error) {
        const code = slackErrorCode(error);
        logger.warn({ code, command: spec.path }, 'slack: could not open a form');
        await this.deps
          .flow()
          .answer(
            { ...request, acknowledge: async () => {} },
            notice(
              `Could not open the form of /${spec.path} (${code}). Type the command with its options instead; /help ${spec.path.split(' ')[0]} lists them.`,
            ),
            true,
          )
          .catch((answerError: unknown) => logger.warn({ err: answerError }, 'slack: could not say that a form did not open'));
      }
    })();
    this.#track(work);
  }

  #track(work: Promise<void>): void {
    this.#inflight.add(work);
    void work.finally(() => this.#inflight.delete(work));
  }

  async idle(): Promise<void> {
    while (this.#inflight.size) await Promise.all([...this.#inflight]);
  }

  register(app: App): void {
    app.view({ callback_id: FORM_CALLBACK, type: 'view_submission' }, async ({ ack, body, view, context }) => {
      const respond = ack as unknown as (response?: Record<string, unknown>) => Promise<void>;
      let metadata: FormMetadata;
      try {
        metadata = JSON.parse(view.private_metadata) as FormMetadata;
      } catch {
        await respond();
        return;
      }
      const user = body.user as { id: string; username?: string; name?: string; team_id?: string };
      const teamId = (context.teamId as string | undefined) ?? body.team?.id ?? user.team_id;
      const caller = await this.deps.flow().caller(user.id, metadata.c, user.username ?? user.name, {
        ...(teamId ? { teamId } : {}),
        ...(context.enterpriseId ? { enterpriseId: context.enterpriseId as string } : {}),
      });
      await this.submit(metadata, submittedValues(view as never), caller, respond, context.slackReceipt as Promise<boolean> | undefined);
    });
  }

  /** One view_submission: errors beside the fields, a preview, or the command run (and the modal closed). */
  async submit(
    metadata: FormMetadata,
    values: Record<string, string>,
    caller: Caller,
    respond: (response?: Record<string, unknown>) => Promise<void>,
    receipt: Promise<boolean> | undefined,
  ): Promise<void> {
    const { bot } = this.deps;
    const [command, subcommand] = metadata.p.split(' ');
    let spec: FormSpec;
    let invocation: Invocation;
    let prepared: PreparedCommand;
    try {
      const { path, action } = bot.registry.action(bot.registry.get(command ?? ''), subcommand);
      spec = formSpec(path, action);
      invocation = { caller, command, subcommand, options: formOptions(spec, action, values) };
    } catch (error) {
      // the command is gone since the form opened (a newer version of the bot)
      this.deps.logger.warn({ err: error, command: metadata.p }, 'slack: a form was submitted for an unknown command');
      await respond();
      return;
    }
    try {
      prepared = await bot.prepare(invocation);
    } catch (error) {
      await respond({ response_action: 'errors', errors: fieldErrors(error, spec) });
      return;
    }
    if (prepared.action.formPreview) {
      const hash = valuesHash(prepared.options);
      if (metadata.h !== hash) {
        let preview: View | undefined;
        try {
          preview = await bot.formPreview(prepared, invocation);
        } catch (error) {
          await respond({ response_action: 'errors', errors: fieldErrors(error, spec) });
          return;
        }
        const shown = await withStoredChoices(bot.db, formSpec(prepared.path, prepared.action, invocation.options));
        await respond({ response_action: 'update', view: formModal(shown, { ...metadata, h: hash }, preview) });
        return;
      }
    }
    await respond();
    const request: AcceptRequest = {
      text: formCommandLine(prepared.path, invocation.options ?? {}),
      userId: caller.userId,
      ...(caller.userName ? { userName: caller.userName } : {}),
      channelId: metadata.c,
      ...(caller.workspaceId ? { teamId: caller.workspaceId } : {}),
      ...(caller.enterpriseId ? { enterpriseId: caller.enterpriseId } : {}),
      ...(receipt ? { receipt } : {}),
      acknowledge: async () => {},
    };
    this.deps.flow().complete({ prepared, invocation, request }, undefined);
  }
}
