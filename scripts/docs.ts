import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { loadCommands } from '../commands/index.ts';
import { settingsMarkdown } from '../src/config/reference.ts';
import { permissionMarkdown } from '../src/core/permissions.ts';
import { commandReference } from '../src/core/reference.ts';
import { CommandRegistry } from '../src/core/registry.ts';

/** Generated README sections: `<!-- name:start … -->` … `<!-- name:end -->`. */
function replaceSection(readme: string, name: string, content: string): string {
  const start = new RegExp(`<!-- ${name}:start[^>]*-->`).exec(readme);
  const end = readme.indexOf(`<!-- ${name}:end -->`);
  if (!start || end < start.index) throw new Error(`README.md lacks the ${name} markers`);
  return `${readme.slice(0, start.index + start[0].length)}\n${content}\n${readme.slice(end)}`;
}

/** The README with its command reference, permission matrix and settings table regenerated from the definitions. */
export async function renderReadme(readme: string): Promise<string> {
  const commands = await loadCommands();
  const withCommands = replaceSection(readme, 'commands', commandReference(commands));
  const withPermissions = replaceSection(withCommands, 'permissions', permissionMarkdown(new CommandRegistry(commands)));
  const envExample = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
  return replaceSection(withPermissions, 'settings', settingsMarkdown(envExample));
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const readme = readFileSync('README.md', 'utf8');
  writeFileSync('README.md', await renderReadme(readme));
  console.log('README.md: command reference, permission matrix and settings table updated');
}
