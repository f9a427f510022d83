import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { SkerryError } from '../common/index.ts';
import type { Addon } from './types.ts';

const require = createRequire(import.meta.url);

/**
 * The bundled executable keeps skerry.node beside dist/skerry.js; from source it is in
 * native/build/Release. SKERRY_ADDON overrides both, for packagers.
 */
function candidates(): string[] {
  const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
  return [process.env.SKERRY_ADDON, here('./skerry.node'), here('./build/Release/skerry.node')].filter(
    (p): p is string => typeof p === 'string' && p.length > 0,
  );
}

let loaded: Addon | undefined;

export function addon(): Addon {
  if (loaded) return loaded;
  const tried = candidates();
  const found = tried.find((file) => fs.existsSync(file));
  if (!found) {
    throw new SkerryError('ADDON_MISSING', `skerry.node not found (looked in ${tried.join(', ')}); run \`npm run install\` to build it`);
  }
  try {
    loaded = require(found) as Addon;
  } catch (error) {
    throw new SkerryError('ADDON_MISSING', `${found}: ${(error as Error).message}`, {}, { cause: error });
  }
  return loaded;
}
