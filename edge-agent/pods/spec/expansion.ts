// Kubernetes' $(VAR) expansion (third_party/forked/golang/expansion): $(NAME) becomes the
// variable's value when NAME is defined, and stays as written when not; $$ is a literal $,
// so $$(NAME) stays "$(NAME)". Users rely on the exact quirks (an unclosed "$(" is kept).

const OPERATOR = '$';

function readVariableName(input: string): { text: string; isVar: boolean; advance: number } {
  if (input[0] === OPERATOR) return { text: OPERATOR, isVar: false, advance: 1 };
  if (input[0] === '(') {
    const close = input.indexOf(')', 1);
    if (close >= 0) return { text: input.slice(1, close), isVar: true, advance: close + 1 };
    return { text: '$(', isVar: false, advance: 1 };
  }
  return { text: `${OPERATOR}${input[0]}`, isVar: false, advance: 1 };
}

/** Expands every $(NAME) in `input` with the first of `contexts` that defines NAME. */
export function expand(input: string, ...contexts: ReadonlyArray<ReadonlyMap<string, string>>): string {
  const lookup = (name: string) => {
    for (const vars of contexts) {
      const value = vars.get(name);
      if (value !== undefined) return value;
    }
    return `$(${name})`;
  };
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== OPERATOR || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const read = readVariableName(input.slice(cursor + 1));
    out += read.isVar ? lookup(read.text) : read.text;
    cursor += read.advance;
    checkpoint = cursor + 1;
  }
  return out + input.slice(checkpoint);
}
