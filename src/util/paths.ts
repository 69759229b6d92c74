import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root, found from either `src/` (ts) or `dist/src/` (js). */
function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (dir === path.dirname(dir)) return process.cwd();
  }
}

export const PROJECT_ROOT = findRoot(__dirname);
