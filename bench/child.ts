import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * Runs `script --child …args` under tsx in a process of its own (its peak memory is its own), from
 * the repository root; resolves with the JSON its last line on standard output holds.
 */
export function childJson<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', script, '--child', ...args], {
      cwd: path.resolve(path.dirname(script), '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as T) : reject(new Error(`${args[0]} side exited ${code}`)),
    );
  });
}
