// Bundles the skerry executable: dist/skerry.js plus the native addons beside it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

const addons = [
  ['native/build/Release/skerry.node', 'skerry.node', 'run `npm run install` to build native/'],
  ['native/build/Release/skerry-shim', 'skerry-shim', 'run `npm run install` to build native/'],
  ['node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'better_sqlite3.node', 'run `npm ci`'],
];

fs.mkdirSync(dist, { recursive: true });
for (const [from, to, hint] of addons) {
  const source = path.join(root, from);
  if (!fs.existsSync(source)) {
    process.stderr.write(`build: ${from} is missing; ${hint}\n`);
    process.exit(1);
  }
  // Copy, then rename over the old file: a running server or agent has the old addon mapped,
  // and rewriting that inode in place crashes it (SIGSEGV); a rename leaves it its copy.
  const target = path.join(dist, to);
  fs.copyFileSync(source, `${target}.tmp`);
  fs.renameSync(`${target}.tmp`, target);
}

await build({
  entryPoints: [path.join(root, 'server/cli/main.ts')],
  outfile: path.join(dist, 'skerry.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  legalComments: 'none',
  minifyWhitespace: true,
  logLevel: 'warning',
  // Bundled CommonJS packages call require(); ESM has none, so give them one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __skerryCreateRequire } from 'node:module';\nconst require = __skerryCreateRequire(import.meta.url);" },
  define: {
    SKERRY_VERSION: JSON.stringify(pkg.version),
    SKERRY_COMMIT: JSON.stringify(gitCommit()),
    SKERRY_BUILD_DATE: JSON.stringify(new Date().toISOString()),
  },
});
fs.chmodSync(path.join(dist, 'skerry.js'), 0o755);
process.stdout.write(`build: dist/skerry.js (${(fs.statSync(path.join(dist, 'skerry.js')).size / 1024).toFixed(0)} KiB) with ${addons.map(([, to]) => to).join(', ')}\n`);
