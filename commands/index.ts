import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CommandDefinition } from '../src/core/command.ts';
import { CommandRegistry } from '../src/core/registry.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The order /help lists them in; commands not named here follow alphabetically. */
const ORDER = [
  'help',
  'home',
  'import',
  'source',
  'segment',
  'clv',
  'recommend',
  'cac',
  'roi',
  'campaign',
  'digest',
  'customer',
  'admin',
  'audit',
];

/** Every file in commands/ default-exports one command: adding a command is adding a file. */
export async function loadCommands(): Promise<CommandDefinition[]> {
  // .ts from the sources, .js in the compiled build (dist/commands)
  const files = readdirSync(HERE).filter((file) => /\.[jt]s$/.test(file) && !/^index\.[jt]s$/.test(file) && !file.endsWith('.d.ts'));
  const commands = await Promise.all(
    files.map(async (file) => (await import(pathToFileURL(path.join(HERE, file)).href)).default as CommandDefinition),
  );
  const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  return commands.filter(Boolean).sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

export async function loadRegistry(): Promise<CommandRegistry> {
  return new CommandRegistry(await loadCommands());
}
