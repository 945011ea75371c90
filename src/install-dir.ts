import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory Jarvis is installed in (its package.json, config/, bin/): the nearest one above this module
 * that holds a package.json. That is src/.. when it runs from the sources and dist/src/../.. when it runs
 * from the build (which mirrors src/ and packages/ under dist/). Falls back to the module's parent
 * directory when there is none.
 */
export const INSTALL_DIR = installDir(dirname(fileURLToPath(import.meta.url)));

function installDir(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(start);
  }
}
