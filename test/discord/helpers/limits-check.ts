import { expect } from 'vitest';
import { DISCORD_LIMITS } from '../../../adapters/discord/limits.ts';
import type { DiscordMessage } from '../../../adapters/discord/render.ts';

/** Every limit Discord enforces on one message. */
export function expectWithinLimits(message: Pick<DiscordMessage, 'content' | 'embeds' | 'components'> & { files: unknown[] }): void {
  expect(message.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
  expect(message.embeds.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedsPerMessage);
  expect(message.files.length).toBeLessThanOrEqual(DISCORD_LIMITS.filesPerMessage);
  expect(message.components.length).toBeLessThanOrEqual(DISCORD_LIMITS.actionRows);
  let total = 0;
  for (const embed of message.embeds) {
    expect(embed.title?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.embedTitle);
    expect(embed.description?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.embedDescription);
    expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.embedFields);
    for (const field of embed.fields ?? []) {
      expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedFieldValue);
      expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedFieldName);
    }
    total +=
      (embed.title?.length ?? 0) +
      (embed.description?.length ?? 0) +
      (embed.footer?.text.length ?? 0) +
      (embed.fields ?? []).reduce((s, f) => s + f.name.length + f.value.length, 0);
  }
  expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
  for (const row of message.components) {
    expect(row.components.length).toBeLessThanOrEqual(DISCORD_LIMITS.buttonsPerRow);
    for (const button of row.components) expect(button.custom_id.length).toBeLessThanOrEqual(DISCORD_LIMITS.customId);
  }
  expect(message.content !== '' || message.embeds.length > 0 || message.files.length > 0).toBe(true);
}
