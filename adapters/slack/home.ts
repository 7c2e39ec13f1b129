import type { App, types, webApi } from '@slack/bolt';
import type { Bot } from '../../src/core/bot.ts';
import { UserError } from '../../src/core/errors.ts';
import type { Reply } from '../../src/core/reply.ts';
import { adminsOf, homeRefusal } from '../../src/home/who-to-ask.ts';
import type { Logger } from '../../src/logger.ts';
import type { CommandFlow } from './command-flow.ts';
import { SLACK_LIMITS, type SlackLimits } from './limits.ts';
import { slackErrorCode, type SlackPoster } from './poster.ts';
import { escapeMrkdwn, plainText, splitText, tablePages, truncate } from './render.ts';

type KnownBlock = types.KnownBlock;

/** A Home tab view for views.publish. */
export interface HomeView {
  type: 'home';
  blocks: KnownBlock[];
}

/** Buttons in one actions block: short rows read better in the Home tab than Slack's 25. */
const BUTTONS_PER_ROW = 5;

/**
 * Renders a platform-neutral reply as the blocks of a Home tab view: every block has its own id,
 * at most `homeBlocks` of them (past it the view is cut with a note), every text within Slack's
 * limits. A home has no files: a table too long for its pages shows its first rows and says so.
 */
export function renderHomeView(reply: Reply, limits: SlackLimits = SLACK_LIMITS): HomeView {
  const { view } = reply;
  const blocks: KnownBlock[] = [];
  const counts = new Map<string, number>();
  const id = (kind: string) => {
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    return `home-${kind}-${n}`;
  };
  const section = (text: string): KnownBlock => ({
    type: 'section',
    block_id: id('text'),
    text: { type: 'mrkdwn', text: truncate(text, limits.sectionText) },
  });

  if (view.title)
    blocks.push({
      type: 'header',
      block_id: id('title'),
      text: { type: 'plain_text', text: truncate(plainText(view.title), limits.headerText), emoji: true },
    });
  if (view.text) for (const piece of splitText(escapeMrkdwn(view.text), limits.sectionText)) blocks.push(section(piece));

  const fields = (view.fields ?? []).map((f) => ({
    type: 'mrkdwn' as const,
    text: truncate(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, limits.fieldText),
  }));
  for (let i = 0; i < fields.length; i += limits.fieldsPerSection)
    blocks.push({ type: 'section', block_id: id('fields'), fields: fields.slice(i, i + limits.fieldsPerSection) });

  for (const table of view.tables ?? []) {
    blocks.push({ type: 'divider', block_id: id('divider') });
    if (table.title) blocks.push(section(`*${truncate(escapeMrkdwn(table.title), limits.sectionText - 2)}*`));
    const { pages, rowsShown } = tablePages(table, limits);
    const shown = pages.slice(0, limits.tablePagesInline);
    for (const page of shown) blocks.push(section(page));
    if (shown.length < pages.length) {
      const count = rowsShown.slice(0, shown.length).reduce((a, b) => a + b, 0);
      blocks.push({
        type: 'context',
        block_id: id('more'),
        elements: [{ type: 'mrkdwn', text: `Showing rows 1–${count} of ${table.rows.length}.` }],
      });
    }
  }

  const buttons = (view.buttons ?? []).map((button, i) => ({
    type: 'button' as const,
    action_id: `growthbot:home:${i}`,
    text: { type: 'plain_text' as const, text: truncate(plainText(button.label), limits.buttonText), emoji: true },
    value: button.command.slice(0, limits.buttonValue),
    ...(button.style ? { style: button.style } : {}),
  }));
  if (buttons.length) blocks.push({ type: 'divider', block_id: id('divider') });
  const perRow = Math.min(BUTTONS_PER_ROW, limits.actionsElements);
  for (let i = 0; i < buttons.length; i += perRow)
    blocks.push({ type: 'actions', block_id: id('buttons'), elements: buttons.slice(i, i + perRow) });

  const notes = (view.notes ?? []).map((note) => ({ type: 'mrkdwn' as const, text: truncate(escapeMrkdwn(note), limits.contextText) }));
  for (let i = 0; i < notes.length; i += limits.contextElements)
    blocks.push({ type: 'context', block_id: id('notes'), elements: notes.slice(i, i + limits.contextElements) });

  if (blocks.length === 0) blocks.push(section(reply.ok ? '✅ Nothing to show.' : '⚠️ The home could not be shown.'));
  if (blocks.length > limits.homeBlocks) {
    blocks.length = limits.homeBlocks - 1;
    blocks.push({
      type: 'context',
      block_id: id('cut'),
      elements: [{ type: 'mrkdwn', text: '✂️ Cut short to fit the Home tab: the typed commands show everything.' }],
    });
  }
  return { type: 'home', blocks };
}

/** The text a home view shows, block by block: what a reviewer reads instead of a screenshot. */
export function homeViewAsText(view: HomeView): string {
  const lines: string[] = [];
  const text = (t: { text: string } | undefined) => t?.text ?? '';
  for (const block of view.blocks as unknown as Record<string, unknown>[]) {
    const type = block.type as string;
    if (type === 'header') lines.push(`# ${text(block.text as { text: string })}`);
    else if (type === 'divider') lines.push('────────');
    else if (type === 'section') {
      if (block.text) lines.push(text(block.text as { text: string }));
      for (const field of (block.fields as { text: string }[] | undefined) ?? []) lines.push(`  ${field.text.replace('\n', ': ')}`);
    } else if (type === 'actions')
      lines.push((block.elements as { text: { text: string }; value: string }[]).map((b) => `[${b.text.text} → ${b.value}]`).join('  '));
    else if (type === 'context') for (const element of block.elements as { text: string }[]) lines.push(`  (${element.text})`);
    else lines.push(`<${type}>`);
  }
  return `${lines.join('\n')}\n`;
}

export interface HomeTabDeps {
  bot: Bot;
  flow: CommandFlow;
  client: webApi.WebClient;
  logger: Logger;
  limits: SlackLimits;
}

/** Runs /home as the user (role-checked and audited like a typed command) and publishes it as their Home tab. */
export async function publishHome(
  deps: HomeTabDeps,
  user: { userId: string; channelId?: string; teamId?: string; enterpriseId?: string },
): Promise<void> {
  const { bot } = deps;
  const caller = await deps.flow.caller(user.userId, user.channelId ?? '', undefined, user);
  const invocation = { caller, text: '/home' };
  let reply: Reply;
  try {
    reply = await bot.run(await bot.prepare(invocation), invocation);
  } catch (error) {
    const admins = error instanceof UserError && error.code === 'forbidden' ? await adminsOf(bot.db, bot.config, 'slack') : [];
    reply = homeRefusal(error, bot.errorReply(error, 'home'), admins);
  }
  try {
    await deps.client.views.publish({ user_id: user.userId, view: renderHomeView(reply, deps.limits) });
  } catch (error) {
    deps.logger.warn({ code: slackErrorCode(error), user: user.userId }, 'slack: could not publish the Home tab');
  }
}

/** The Home tab: opened, it shows the user's /home. */
export function registerHomeTab(app: App, deps: HomeTabDeps): void {
  app.event('app_home_opened', async ({ event, context }) => {
    if (event.tab !== 'home') return;
    await publishHome(deps, {
      userId: event.user,
      channelId: event.channel,
      ...(context.teamId ? { teamId: context.teamId } : {}),
      ...(context.enterpriseId ? { enterpriseId: context.enterpriseId } : {}),
    });
  });
}

/**
 * A button clicked in the Home tab comes with no channel: its command runs in the user's direct
 * messages with the app (the Messages tab), where its answer goes. Undefined for any other click.
 */
export async function homeButtonChannel(body: unknown, poster: SlackPoster, logger: Logger): Promise<string | undefined> {
  const payload = body as { view?: { type?: string }; user?: { id?: string } };
  if (payload.view?.type !== 'home' || !payload.user?.id) return undefined;
  try {
    return await poster.directChannel(payload.user.id);
  } catch (error) {
    logger.warn({ code: slackErrorCode(error), user: payload.user.id }, 'slack: could not open a direct message for a Home tab button');
    return undefined;
  }
}
