// Words of a Dockerfile instruction as Docker reads them (moby/buildkit shell lexer, the
// subset that matters without a shell): unquoted whitespace separates words, '…' is
// literal, "…" and bare text expand $VAR, ${VAR}, ${VAR:-default} and ${VAR:+alt}, and the
// escape character (\ unless a `# escape=` directive says `) escapes the next character.
import { SkerryError } from '../../../common/index.ts';

export type Env = ReadonlyMap<string, string>;

/** Splits on unquoted whitespace, keeping quotes and escapes for expandWord. */
export function splitWords(text: string, escape = '\\'): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === escape && quote !== "'" && i + 1 < text.length) {
      word += c + text[++i];
      inWord = true;
    } else if (quote) {
      if (c === quote) quote = undefined;
      word += c;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word), (word = ''), (inWord = false);
    } else {
      if (c === '"' || c === "'") quote = c;
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new SkerryError('BUILD_INVALID', `unterminated ${quote} quote in ${JSON.stringify(text)}`);
  if (inWord) words.push(word);
  return words;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/** ${NAME…} at text[start] (just after "${"): the value and where the closing brace is. */
function braced(text: string, start: number, env: Env, escape: string): { value: string; end: number } {
  const close = text.indexOf('}', start);
  if (close < 0) throw new SkerryError('BUILD_INVALID', `missing } in ${JSON.stringify(text)}`);
  const inner = text.slice(start, close);
  const name = NAME.exec(inner)?.[0];
  if (!name) throw new SkerryError('BUILD_INVALID', `\${${inner}} is not a variable name`);
  const operator = /^(:?[-+])/.exec(inner.slice(name.length))?.[1];
  if (!operator && inner.length > name.length) {
    throw new SkerryError('BUILD_INVALID', `\${${inner}}: only \${VAR}, \${VAR:-default} and \${VAR:+alternative} are supported`);
  }
  const value = env.get(name);
  const word = operator ? expandWord(inner.slice(name.length + operator.length), env, escape) : '';
  const set = operator?.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
  if (operator?.endsWith('-')) return { value: set ? value! : word, end: close };
  if (operator?.endsWith('+')) return { value: set ? word : '', end: close };
  return { value: value ?? '', end: close };
}

/** Removes quotes and escapes and substitutes variables; whitespace inside stays. */
export function expandWord(word: string, env: Env, escape = '\\'): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < word.length; i++) {
    const c = word[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else out += c;
    } else if (c === escape && i + 1 < word.length) {
      const next = word[++i]!;
      // Inside "…" an escape only escapes what would otherwise be special there.
      out += quote === '"' && !['"', '$', escape].includes(next) ? c + next : next;
    } else if (c === '"' || (c === "'" && !quote)) {
      quote = quote === c ? undefined : c;
    } else if (c === '$' && word[i + 1] === '{') {
      const { value, end } = braced(word, i + 2, env, escape);
      out += value;
      i = end;
    } else if (c === '$' && NAME.test(word.slice(i + 1))) {
      const name = NAME.exec(word.slice(i + 1))![0];
      out += env.get(name) ?? '';
      i += name.length;
    } else {
      out += c;
    }
  }
  return out;
}

/** Words of a shell-form argument list, each expanded. */
export function expandWords(text: string, env: Env, escape = '\\'): string[] {
  return splitWords(text, escape).map((w) => expandWord(w, env, escape));
}

/** key=value pairs (ENV, LABEL); the key may be quoted, the value is expanded. */
export function keyValues(text: string, env: Env, escape = '\\'): [string, string][] {
  return splitWords(text, escape).map((word) => {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new SkerryError('BUILD_INVALID', `${JSON.stringify(word)} must be key=value`);
    return [expandWord(word.slice(0, eq), env, escape), expandWord(word.slice(eq + 1), env, escape)];
  });
}
