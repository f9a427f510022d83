import test from 'ava';
import type { KubeObject } from '../objects/types.ts';
import { labelSelectorFromObject, parseFieldSelector, parseLabelSelector, SelectorError, selectorToString } from './index.ts';

// A seeded generator (mulberry32) keeps failures reproducible.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const pieces = ['a', 'b', 'k8s.io/', 'app', '=', '==', '!', '!=', '(', ')', ',', ' ', '\t', 'in', 'notin', '>', '<', '-', '_', '.', '/', '\\', '\u0000', 'é', '😀', '\ud800', '1', '"', '9223372036854775808'];

function garbage(next: () => number): string {
  const length = Math.floor(next() * 16);
  let text = '';
  for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)] ?? '';
  return text;
}

function garbageJson(next: () => number, depth = 0): unknown {
  const choice = Math.floor(next() * (depth > 3 ? 6 : 9));
  switch (choice) {
    case 0: return null;
    case 1: return garbage(next);
    case 2: return Math.floor(next() * 10) - 3;
    case 3: return next() < 0.5;
    case 4: return undefined;
    case 5: return ['In', 'NotIn', 'Exists', 'DoesNotExist'][Math.floor(next() * 4)];
    case 6: return Array.from({ length: Math.floor(next() * 3) }, () => garbageJson(next, depth + 1));
    default: {
      const keys = ['matchLabels', 'matchExpressions', 'key', 'operator', 'values', 'app', garbage(next)];
      const object: Record<string, unknown> = {};
      for (let i = Math.floor(next() * 4); i > 0; i--) object[keys[Math.floor(next() * keys.length)] ?? 'k'] = garbageJson(next, depth + 1);
      return object;
    }
  }
}

/** Runs `body`; only a SelectorError may come out. Returns whether it succeeded. */
function onlySelectorErrors(run: () => void): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (error instanceof SelectorError) return false;
    throw error;
  }
}

test('garbage selector strings throw nothing but SelectorError, and what parses round-trips', (t) => {
  const next = random(20240611);
  let parsed = 0;
  for (let i = 0; i < 20000; i++) {
    const text = garbage(next);
    const ok = onlySelectorErrors(() => {
      const selector = parseLabelSelector(text);
      const canonical = selector.toString();
      if (parseLabelSelector(canonical).toString() !== canonical) throw new Error(`no round trip: ${JSON.stringify(text)}`);
      selector.matches({ a: '1', b: '' });
      selector.matches(undefined);
    });
    if (ok) parsed++;
  }
  t.true(parsed > 100, `some garbage is valid (${parsed})`);
});

test('garbage field selectors throw nothing but SelectorError', (t) => {
  const next = random(7);
  const fieldish = ['metadata.name', 'spec.nodeName', 'status.phase', 'spec.host', 'type', 'reason'];
  let parsed = 0;
  for (let i = 0; i < 20000; i++) {
    const text = next() < 0.5 ? garbage(next) : `${fieldish[Math.floor(next() * fieldish.length)] ?? ''}${garbage(next)}`;
    const kind = ['Pod', 'Node', 'Event', 'ConfigMap', ''][Math.floor(next() * 5)] ?? 'Pod';
    if (onlySelectorErrors(() => parseFieldSelector(text, kind).matches({ apiVersion: 'v1', kind, metadata: {} }))) parsed++;
  }
  t.true(parsed > 100, `some garbage is valid (${parsed})`);
});

test('garbage structured selectors throw nothing but SelectorError and match without throwing', (t) => {
  const next = random(99);
  for (let i = 0; i < 20000; i++) {
    const selector = garbageJson(next);
    onlySelectorErrors(() => {
      const matcher = labelSelectorFromObject(selector);
      matcher.matches(garbageJson(next) as Record<string, string>);
      selectorToString(selector);
    });
  }
  t.pass();
});

test('matching tolerates labels and objects of any shape', (t) => {
  const selector = parseLabelSelector('a=1,b!=2,c in (x),d notin (y),e,!f,g>1,h<5');
  for (const labels of [null, undefined, 5, 'str', [], ['a'], { a: 1 }, { g: 2 }, Object.create(null) as object]) {
    t.notThrows(() => selector.matches(labels as Record<string, string>));
  }
  const fields = parseFieldSelector('spec.nodeName=a,status.podIP!=b,metadata.name=c,spec.hostNetwork=false', 'Pod');
  for (const object of [{}, { metadata: 1 }, { spec: null, status: [] }, { status: { podIPs: [null] } }]) {
    t.notThrows(() => fields.matches(object as unknown as KubeObject));
  }
});

function elapsed(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

/** Parses an input of size n and of size 8n; a linear parser takes about 8 times longer, not 64. */
function scalesLinearly(t: { true(value: boolean, message?: string): void }, name: string, make: (n: number) => string, parse: (text: string) => void): void {
  const attempt = (text: string) => elapsed(() => onlySelectorErrors(() => parse(text)));
  const small = make(20000);
  const large = make(160000);
  attempt(small); // warm up the JIT
  const smallTime = Math.max(attempt(small), 1);
  const largeTime = attempt(large);
  t.true(largeTime < 2000, `${name}: ${largeTime.toFixed(0)} ms for ${large.length} characters`);
  t.true(largeTime < smallTime * 30 + 50, `${name}: ${smallTime.toFixed(1)} ms → ${largeTime.toFixed(1)} ms for 8x the input`);
}

test('label selector parsing is linear in the input, valid or not', (t) => {
  const inputs: [string, (n: number) => string][] = [
    ['many requirements', (n) => Array.from({ length: n / 8 }, (_, i) => `k${i}=v`).join(',')],
    ['long key', (n) => `${'a'.repeat(n)}=b`],
    ['key almost valid', (n) => `${'a-'.repeat(n / 2)}-`],
    ['prefix almost valid', (n) => `${'a.'.repeat(n / 2)}-/x`],
    ['long value', (n) => `k=${'v'.repeat(n)}`],
    ['value almost valid', (n) => `k=${'v_'.repeat(n / 2)}_`],
    ['many values', (n) => `k in (${'v,'.repeat(n / 2)}v)`],
    ['many empty values', (n) => `k in (${','.repeat(n)})`],
    ['operator soup', (n) => '!=('.repeat(n / 3)],
    ['blanks', (n) => `${' '.repeat(n)}a`],
    ['huge number', (n) => `k>${'9'.repeat(n)}`],
    ['slashes', (n) => '/'.repeat(n)],
  ];
  for (const [name, make] of inputs) scalesLinearly(t, name, make, parseLabelSelector);
});

test('field selector parsing is linear in the input, valid or not', (t) => {
  const inputs: [string, (n: number) => string][] = [
    ['many terms', (n) => Array.from({ length: n / 16 }, () => 'metadata.name=x').join(',')],
    ['escaped value', (n) => `metadata.name=${'\\,'.repeat(n / 2)}`],
    ['no operator', (n) => 'm'.repeat(n)],
    ['bangs', (n) => `${'!'.repeat(n)}=x`],
    ['long field', (n) => `${'f'.repeat(n)}=x`],
  ];
  for (const [name, make] of inputs) scalesLinearly(t, name, make, (text) => parseFieldSelector(text, 'Pod'));
});

test('structured selectors with many requirements convert in reasonable time', (t) => {
  const matchLabels = Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`key${i}`, `v${i}`]));
  const matchExpressions = Array.from({ length: 20000 }, (_, i) => ({ key: `e${i}`, operator: 'In', values: ['a', 'b', 'c'] }));
  const time = elapsed(() => labelSelectorFromObject({ matchLabels, matchExpressions }).toString());
  t.true(time < 3000, `${time.toFixed(0)} ms`);
});
