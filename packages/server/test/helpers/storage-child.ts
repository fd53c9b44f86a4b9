// A plain Node child process running the real storage room, for kill -9 tests: the storage
// room imports no other room, so it compiles on its own into `<work>/build`, and the child
// script (`<work>/child.mjs`) imports it from there.
import { execFileSync } from 'node:child_process';
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
