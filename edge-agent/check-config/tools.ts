import fs from 'node:fs';
import path from 'node:path';

/**
 * The absolute path of a host tool found on PATH. Directories inside node_modules are
 * passed over: npm puts packages' own commands there (@vercel/nft installs an `nft`).
 */
export function findOnPath(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(':').filter((d) => d && !d.split(path.sep).includes('node_modules'))) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory; keep looking
    }
  }
  return undefined;
}

export function requireTool(name: string, debianPackage: string): string {
  const found = findOnPath(name);
  if (!found) throw new Error(`${name} not found on PATH (Debian package ${debianPackage})`);
  return found;
}
