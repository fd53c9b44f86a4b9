// A plain Node child process running the real storage room, for kill -9 tests: the storage
// room imports no other room, so it compiles on its own into `<work>/build`, and the child
// script (`<work>/child.mjs`) imports it from there.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const srcDir = resolve(here, '../../src');
const repoRoot = resolve(here, '../../../..');

/** Compiles the storage room into `work` and writes the child script; returns its path. */
export async function prepareStorageChild(work: string, childSource: string): Promise<string> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [
    tsc, join(srcDir, 'storage', 'index.ts'), '--outDir', join(work, 'build'), '--rootDir', srcDir, '--module', 'nodenext',
    '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict', '--skipLibCheck', '--types', 'node', '--esModuleInterop',
  ], { cwd: repoRoot, stdio: 'pipe' });
  await symlink(join(repoRoot, 'node_modules'), join(work, 'node_modules'));
  await writeFile(join(work, 'package.json'), '{"type":"module"}');
  const script = join(work, 'child.mjs');
  await writeFile(script, childSource);
  return script;
}

/**
 * Runs the child script with `args` and hands each line it prints to `onLine` (which may kill
 * it). Resolves once the child was killed with SIGKILL and its output is drained ('close', not
 * 'exit': every line it printed has been seen); rejects if it exits any other way.
 */
export function runUntilKilled(script: string, args: string[], onLine: (line: string, child: ChildProcess) => void): Promise<void> {
  const child = spawn(process.execPath, [script, ...args], { cwd: dirname(script), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<void>((done, fail) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) onLine(line, child);
    });
    child.on('close', (code, signal) => (signal === 'SIGKILL' ? done() : fail(new Error(`child exited (${code}): ${stderr}`))));
  });
}
