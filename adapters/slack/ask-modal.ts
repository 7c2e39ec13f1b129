import type { App, types } from '@slack/bolt';
import type { Bot } from '../../src/core/bot.ts';
import { formFields, type FormField } from '../../src/core/button-forms.ts';
import type { Logger } from '../../src/logger.ts';
import type { CommandFlow, CommandRequest } from './command-flow.ts';
import { SLACK_MODAL_LIMITS, type SlackLimits } from './limits.ts';
import { escapeMrkdwn, FORM_ACTION, renderReply } from './render.ts';

/**
 * A button that asks for some of its command's options first (Button.asks, e.g. Reject's reason):
 * the click opens a modal with one multi-line input per option; its submission runs the button's
 * command with the answers, through the same flow (role check, audit) as a typed command.
 */

/** Every other button: the plain handler in start.ts runs their command at once. */
export const PLAIN_ACTION = /^(?!growthbot:\d+:ask=)/;
export const ASK_CALLBACK = 'growthbot:ask';

/** Round-tripped through Slack with the modal (signed requests; the command is role-checked again on submit). */
interface AskMetadata {
  command: string;
  asks: string[];
  channel: string;
}

export interface AskModalDeps {
  bot: Bot;
  flow: CommandFlow;
  logger: Logger;
  limits: SlackLimits;
  receiptOf(context: Record<string, unknown>): Promise<boolean> | undefined;
}

const plain = (text: string, max: number) => ({
  type: 'plain_text' as const,
  text: text.length <= max ? text : `${text.slice(0, max - 1)}…`,
  emoji: true,
});

/** The modal: what it runs, then one input per asked option (block_id = the option's name). */
export function askModalView(label: string, meta: AskMetadata, fields: FormField[]): types.ModalView {
  const limits = SLACK_MODAL_LIMITS;
  return {
    type: 'modal',
    callback_id: ASK_CALLBACK,
    private_metadata: JSON.stringify(meta),
    title: plain(label, limits.title),
    submit: plain(label, limits.title),
    close: plain('Cancel', limits.title),
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: escapeMrkdwn(`This runs \`${meta.command}\` with your answer.`).slice(0, limits.sectionText) },
      },
      ...fields.map((field) => ({
        type: 'input' as const,
        block_id: field.name,
        optional: !field.required,
        label: plain(field.label, limits.label),
        hint: plain(field.description, limits.label),
        element: {
          type: 'plain_text_input' as const,
          action_id: 'value',
          multiline: true,
          ...(field.minLength ? { min_length: Math.min(field.minLength, limits.inputChars) } : {}),
          ...(field.maxLength ? { max_length: Math.min(field.maxLength, limits.inputChars) } : {}),
        },
      })),
    ],
  };
}

/** The answers of a submitted modal, by option name. */
export function answersOf(values: Record<string, Record<string, { value?: string | null }>>, asks: string[]): Record<string, string> {
  const answers: Record<string, string> = {};
  for (const name of asks) answers[name] = values[name]?.value?.value ?? '';
  return answers;
}

export function registerAskModal(app: App, deps: AskModalDeps): void {
  const { bot, flow, logger, limits } = deps;

  app.action(FORM_ACTION, async ({ ack, body, action, respond, context, client }) => {
    await ack();
    const { value, action_id: actionId, text } = action as { value?: string; action_id: string; text?: { text?: string } };
    const channel =
      (body as { channel?: { id?: string } }).channel?.id ?? (body as { container?: { channel_id?: string } }).container?.channel_id;
    const triggerId = (body as { trigger_id?: string }).trigger_id;
    if (!value || !channel || !triggerId) return;
    const asks = FORM_ACTION.exec(actionId)![1]!.split(',');
    const request: CommandRequest = {
      text: value,
      userId: body.user.id,
      channelId: channel,
      acknowledge: async () => {},
      ...((body as { response_url?: string }).response_url ? { respond } : {}),
    };
    const tell = async (reply: ReturnType<Bot['errorReply']>) => {
      await flow.answer(request, renderReply(reply, limits).messages[0]!, true);
    };
    // refused before the form is filled in: no role, or a line that does not parse (the asked options come with the form)
    try {
      const caller = await flow.caller(body.user.id, channel, undefined, {
        ...(context.teamId ? { teamId: context.teamId } : {}),
        ...(context.enterpriseId ? { enterpriseId: context.enterpriseId } : {}),
      });
      await bot.admitForm({ caller, text: value });
      const meta: AskMetadata = { command: value, asks, channel };
      await client.views.open({
        trigger_id: triggerId,
        view: askModalView(text?.text ?? 'Send', meta, formFields(bot.registry, value, asks)),
      });
    } catch (error) {
      logger.debug({ err: error, command: value }, 'slack: form not opened');
      await tell(bot.errorReply(error, value.split(/\s+/)[0] ?? '?')).catch((e: unknown) =>
        logger.warn({ err: e }, 'slack: could not say why the form was not opened'),
      );
    }
  });

  app.view(ASK_CALLBACK, async ({ ack, body, view, context }) => {
    await ack();
    let meta: AskMetadata;
    try {
      meta = JSON.parse(view.private_metadata) as AskMetadata;
    } catch {
      logger.warn('slack: a form came back without its command');
      return;
    }
    const values = view.state.values as Record<string, Record<string, { value?: string | null }>>;
    const request: Omit<CommandRequest, 'acknowledge'> = {
      text: meta.command,
      answers: answersOf(values, meta.asks),
      userId: body.user.id,
      userName: (body.user as { name?: string }).name,
      channelId: meta.channel,
      ...(context.teamId ? { teamId: context.teamId } : {}),
      ...(context.enterpriseId ? { enterpriseId: context.enterpriseId } : {}),
    };
    const receipt = deps.receiptOf(context);
    await flow.handle({
      ...request,
      ...(receipt ? { receipt } : {}),
      // a refusal (no role, a bad answer) goes to the submitter alone, in the channel of the button
      acknowledge: async (payload) => {
        if (!payload) return;
        const message = { text: payload.text, blocks: payload.blocks ?? [] };
        await flow.answer({ ...request, acknowledge: async () => {} }, message, true);
      },
    });
  });
}
