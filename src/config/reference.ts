import { configSchema } from './config.ts';

/** One variable of `.env.example`: its group heading, the comment above it and the value written there. */
export interface DocumentedSetting {
  name: string;
  group: string;
  comment: string;
  example: string;
}

/** The variables of `.env.example` in order, each with the comment lines directly above it. */
export function documentedSettings(envExample: string): DocumentedSetting[] {
  const settings: DocumentedSetting[] = [];
  let group = '';
  let comment: string[] = [];
  for (const line of envExample.split(/\r?\n/)) {
    const heading = /^# --- (.+?) ---/.exec(line);
    const variable = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (heading) {
      group = heading[1]!.replace(/\s*\(.*\)$/, '');
      comment = [];
    } else if (line.startsWith('#')) {
      comment.push(line.replace(/^#\s?/, ''));
    } else if (variable) {
      settings.push({ name: variable[1]!, group, comment: comment.join(' '), example: variable[2]! });
      comment = [];
    } else {
      comment = [];
    }
  }
  return settings;
}

/** Defaults that depend on the machine, said in words. */
const DEFAULT_IN_WORDS: Record<string, string> = { WORKERS: 'CPU cores − 1 (at least 1)' };

/** A setting's default as the config schema applies it to an empty environment, as README text. */
export function defaultText(name: string): string {
  if (DEFAULT_IN_WORDS[name]) return DEFAULT_IN_WORDS[name];
  const value = (configSchema.parse({}) as Record<string, unknown>)[name];
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) return 'unset';
  return `\`${String(value)}\``;
}

/** The comment's first sentence ("e.g." does not end one), safe inside a Markdown table cell. */
function firstSentence(text: string): string {
  const end = text.search(/(?<!\be\.g|\bi\.e)\.(\s|$)/);
  return (end >= 0 ? text.slice(0, end + 1) : text).replace(/\|/g, '\\|').replace(/</g, '&lt;');
}

/** The README's settings table: every variable of the config schema, grouped as in `.env.example`. */
export function settingsMarkdown(envExample: string): string {
  const lines = ['| Setting | Default | What it does |', '| --- | --- | --- |'];
  let group = '';
  for (const setting of documentedSettings(envExample)) {
    if (setting.group !== group) {
      group = setting.group;
      lines.push(`| **${group}** | | |`);
    }
    lines.push(`| \`${setting.name}\` | ${defaultText(setting.name)} | ${firstSentence(setting.comment)} |`);
  }
  return lines.join('\n');
}
