// COPY sources come from the build directory and nowhere else. A source written with `..`
// that climbs out is refused, and so is one that reaches outside through a symlink (the
// real path must stay under the directory's real path). Inside a copied directory,
// symlinks are copied as symlinks and never followed, so their targets — absolute links
// like bin/sh -> /bin/busybox are normal in a root filesystem — are not read.
import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../../common/index.ts';

export interface Source {
  /** As written in the instruction, for messages and history. */
  text: string;
  /** The name it has in the build directory (a wildcard's match): its name in the image too. */
  name: string;
  /** Real path on the host, inside the build directory. */
  real: string;
  stat: fs.Stats;
}

const GLOB = /[*?[]/;

function refuse(detail: string): SkerryError {
  return new SkerryError('BUILD_INVALID', detail);
}

/** The source's path relative to the build directory; `..` that leaves it is refused. */
function relativeInside(text: string, dir: string): string[] {
  const parts: string[] = [];
  for (const part of text.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw refuse(`COPY source ${JSON.stringify(text)} leads outside the build directory ${dir}; sources must be inside it`);
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts;
}

/** fnmatch-style * ? and [...] for one path component, as Docker's COPY takes them. */
function componentPattern(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) throw refuse(`COPY source pattern ${JSON.stringify(glob)} has an unclosed [`);
      const body = glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\');
      source += `[${body}]`;
      i = close;
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Relative paths matching `parts`, a component with a wildcard matching directory entries. */
function expand(root: string, parts: string[]): string[] {
  let matches = [''];
  for (const part of parts) {
    if (!GLOB.test(part)) {
      matches = matches.map((m) => (m ? `${m}/${part}` : part));
      continue;
    }
    const pattern = componentPattern(part);
    matches = matches.flatMap((m) => {
      let names: string[];
      try {
        names = fs.readdirSync(path.join(root, m));
      } catch {
        return [];
      }
      return names.filter((n) => pattern.test(n)).sort().map((n) => (m ? `${m}/${n}` : n));
    });
  }
  return matches;
}

function checkInside(realRoot: string, dir: string, relative: string, text: string): Source {
  const full = path.join(realRoot, relative);
  let real: string;
  try {
    real = fs.realpathSync(full);
  } catch {
    throw refuse(`COPY source ${JSON.stringify(text)} does not exist in the build directory ${dir}`);
  }
  if (real !== realRoot && !real.startsWith(`${realRoot}/`)) {
    throw refuse(`COPY source ${JSON.stringify(text)} resolves through a symlink to ${real}, outside the build directory ${dir}`);
  }
  return { text, name: path.basename(full), real, stat: fs.statSync(real) };
}

/** Every source of one COPY, wildcards expanded, each checked to be inside `dir`. */
export function resolveSources(dir: string, texts: string[]): Source[] {
  const realRoot = fs.realpathSync(dir);
  return texts.flatMap((text) => {
    const parts = relativeInside(text, dir);
    if (!parts.some((p) => GLOB.test(p))) return [checkInside(realRoot, dir, parts.join('/'), text)];
    const found = expand(realRoot, parts);
    if (found.length === 0) throw refuse(`COPY source ${JSON.stringify(text)} matches no file in the build directory ${dir}`);
    return found.map((relative) => checkInside(realRoot, dir, relative, text));
  });
}
