#!/usr/bin/env node
// Runs the built CLI (dist/, `npm run build`) when it is at least as new as every file under src/ and
// packages/sandbox/src/, else the TypeScript sources through tsx; either way in this process, so signals
// and exit codes are the CLI's own.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'src', 'cli.js');

/** The latest modification time of the files under `dir`, in ms. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** What the build compiles: src/ and the sandbox package's src/. */
const sources = [join(root, 'src'), join(root, 'packages', 'sandbox', 'src')];

let entry = built;
if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...sources.map(newest))) {
  if (existsSync(built)) {
    process.stderr.write(
      'jarvis: dist/ is older than the sources, running them (npm run build updates it)\n',
    );
  }
  const { register } = await import('tsx/esm/api');
  register();
  entry = join(root, 'src', 'cli.ts');
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
