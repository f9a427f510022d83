import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * In the bundled executable better-sqlite3's addon sits beside dist/skerry.js; from source
 * its own loader finds it in node_modules.
 */
export function nativeBindingPath(): string | undefined {
  const beside = fileURLToPath(new URL('./better_sqlite3.node', import.meta.url));
  return fs.existsSync(beside) ? beside : undefined;
}
