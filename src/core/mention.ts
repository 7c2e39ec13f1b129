/** A user as typed in chat: Slack `<@U123|jane>`, Discord `<@123>` / `<@!123>`, or a bare id. */
export function userIdFromMention(value: string): string {
  const mention = /^<@!?([A-Za-z0-9_]+)(?:\|[^>]*)?>$/.exec(value.trim());
  return mention ? mention[1]! : value.trim().replace(/^@/, '');
}
