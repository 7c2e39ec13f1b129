import { SLACK_LIMITS } from '../../../adapters/slack/limits.ts';

type Block = Record<string, unknown> & { type: string; block_id?: string };
type Text = { type: string; text: string };

/**
 * What Slack would refuse in a Home tab view (views.publish), as readable problems; [] when valid:
 * type home, 1..100 blocks, every block id present and unique, every action id unique, texts within
 * their limits (3000 a section or field text, 150 a header, 75 a button label, 2000 a button value),
 * at most 10 fields a section, 25 elements an actions block and 10 a context block.
 */
export function homeViewProblems(view: { type?: string; blocks?: unknown[] }): string[] {
  const problems: string[] = [];
  if (view.type !== 'home') problems.push(`view type is ${String(view.type)}, not home`);
  const blocks = (view.blocks ?? []) as Block[];
  if (blocks.length === 0) problems.push('no blocks');
  if (blocks.length > SLACK_LIMITS.homeBlocks) problems.push(`${blocks.length} blocks (at most ${SLACK_LIMITS.homeBlocks})`);
  const blockIds = new Set<string>();
  const actionIds = new Set<string>();
  const within = (what: string, text: Text | undefined, max: number) => {
    if (!text) return;
    if (typeof text.text !== 'string' || text.text.length === 0) problems.push(`${what}: empty text`);
    else if (text.text.length > max) problems.push(`${what}: ${text.text.length} characters (at most ${max})`);
  };
  blocks.forEach((block, i) => {
    const where = `block ${i} (${block.type})`;
    if (!block.block_id) problems.push(`${where}: no block_id`);
    else if (blockIds.has(block.block_id)) problems.push(`${where}: block_id ${block.block_id} used twice`);
    else blockIds.add(block.block_id);
    if (block.block_id && block.block_id.length > 255) problems.push(`${where}: block_id longer than 255`);
    switch (block.type) {
      case 'header':
        within(where, block.text as Text, SLACK_LIMITS.headerText);
        if ((block.text as Text).type !== 'plain_text') problems.push(`${where}: header text must be plain_text`);
        break;
      case 'section': {
        const fields = (block.fields as Text[] | undefined) ?? [];
        if (!block.text && fields.length === 0) problems.push(`${where}: neither text nor fields`);
        within(where, block.text as Text | undefined, SLACK_LIMITS.sectionText);
        if (fields.length > SLACK_LIMITS.fieldsPerSection) problems.push(`${where}: ${fields.length} fields`);
        fields.forEach((field, j) => within(`${where} field ${j}`, field, SLACK_LIMITS.fieldText));
        break;
      }
      case 'actions': {
        const elements = (block.elements as (Record<string, unknown> & { action_id: string; text: Text; value?: string })[]) ?? [];
        if (elements.length === 0 || elements.length > SLACK_LIMITS.actionsElements) problems.push(`${where}: ${elements.length} elements`);
        for (const element of elements) {
          if (actionIds.has(element.action_id)) problems.push(`${where}: action_id ${element.action_id} used twice`);
          actionIds.add(element.action_id);
          within(`${where} button`, element.text, SLACK_LIMITS.buttonText);
          if ((element.value ?? '').length > SLACK_LIMITS.buttonValue) problems.push(`${where}: button value too long`);
        }
        break;
      }
      case 'context': {
        const elements = (block.elements as Text[]) ?? [];
        if (elements.length === 0 || elements.length > SLACK_LIMITS.contextElements) problems.push(`${where}: ${elements.length} elements`);
        elements.forEach((element, j) => within(`${where} element ${j}`, element, SLACK_LIMITS.contextText));
        break;
      }
      case 'divider':
        break;
      default:
        problems.push(`${where}: a block type the home renderer does not make`);
    }
  });
  return problems;
}
