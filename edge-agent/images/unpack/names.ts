// Entry and link names: decoding to text, and splitting into components that can only
// ever name something inside the layer's directory.
import { isUtf8 } from 'node:buffer';

/** The kernel's NAME_MAX: one component longer than this cannot exist. */
const MAX_COMPONENT_BYTES = 255;

const PLAIN_ASCII = /^[\x01-\x7f]*$/;

/**
 * The text of a name as the tar reader hands it over, or undefined when its bytes are not
 * UTF-8. Header and GNU long names arrive decoded as latin1, one character per byte, so
 * the raw bytes can be checked exactly. PAX records are UTF-8 by definition and decoded
 * as such, which turns bad bytes into U+FFFD: there a U+FFFD is taken as proof of bad
 * bytes (refusing the rare name that spells U+FFFD on purpose).
 */
export function decodeName(value: string, fromPax: boolean): string | undefined {
  if (PLAIN_ASCII.test(value)) return value;
  if (fromPax) return value.includes('\uFFFD') ? undefined : value;
  const bytes = Buffer.from(value, 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

/**
 * The components of an entry name relative to the layer root; [] is the root itself.
 * A leading "/" is dropped (tar's rule, and layers built by umoci start with "/" or
 * "./"); "." and empty components mean nothing. ".." is refused outright rather than
 * resolved: no layer a tool builds from a file system holds one, and resolving it is
 * where unpackers have gone wrong. Returns the reason the name is refused, as a string.
 */
export function splitName(name: string, maxNameBytes: number): string[] | string {
  if (name.length === 0) return 'the name is empty';
  // A UTF-16 unit is at most 3 UTF-8 bytes: most names need no byte count at all.
  if (name.length * 3 > maxNameBytes) {
    const bytes = Buffer.byteLength(name);
    if (bytes > maxNameBytes) return `the name is ${bytes} bytes long, more than the limit of ${maxNameBytes}`;
  }
  const components: string[] = [];
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    const code = i < name.length ? name.charCodeAt(i) : 0x2f;
    if (code === 0) return 'the name holds a NUL byte';
    if (code !== 0x2f) continue;
    const length = i - start;
    if (length === 0 || (length === 1 && name.charCodeAt(start) === 0x2e)) {
      // "" or ".": means nothing
    } else if (length === 2 && name.charCodeAt(start) === 0x2e && name.charCodeAt(start + 1) === 0x2e) {
      return 'the name has a ".." component';
    } else {
      const component = name.slice(start, i);
      if (length * 3 > MAX_COMPONENT_BYTES && Buffer.byteLength(component) > MAX_COMPONENT_BYTES) {
        return `a component is longer than ${MAX_COMPONENT_BYTES} bytes`;
      }
      components.push(component);
    }
    start = i + 1;
  }
  return components;
}
