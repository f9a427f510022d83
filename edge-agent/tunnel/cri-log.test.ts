import test from 'ava';
import { createLineSplitter, createRenderer, fileTimestamp, goTimestamp, normalizeTime, parseCriLine } from './cri-log.ts';

const line = (text: string) => parseCriLine(Buffer.from(text))!;
const records = (...lines: string[]) => lines.map(line);
const text = (out: Buffer) => out.toString('utf8');

test('a CRI record parses, text kept byte for byte', (t) => {
  const r = line('2024-05-06T07:08:09.123456789Z stderr F hello  world ');
  t.deepEqual({ ...r, text: r.text.toString() }, { time: '2024-05-06T07:08:09.123456789Z', stream: 'stderr', partial: false, text: 'hello  world ' });
  t.is(line('2024-05-06T07:08:09.123456789Z stdout F ').text.length, 0);
  t.is(line('2024-05-06T07:08:09.123456789Z stdout F').text.length, 0);
  for (const bad of ['', 'garbage', '2024-05-06T07:08:09Z stdin F x', '2024-05-06T07:08:09Z stdout X x', '2024-05-06T07:08:09Z stdout Fx']) t.is(parseCriLine(Buffer.from(bad)), undefined, bad);
});

test('partial records join into one line; a timestamp starts each line only', (t) => {
  const rs = records('2024-01-01T00:00:01.500000000Z stdout P abc', '2024-01-01T00:00:02.000000000Z stdout F def', '2024-01-01T00:00:03.000000001Z stderr F ghi');
  t.is(text(createRenderer({ timestamps: false }).render(rs).out), 'abcdef\nghi\n');
  t.is(text(createRenderer({ timestamps: true }).render(rs).out), '2024-01-01T00:00:01.5Z abcdef\n2024-01-01T00:00:03.000000001Z ghi\n');
});

test('since leaves earlier records out; limitBytes cuts exactly and says done', (t) => {
  const rs = records('2024-01-01T00:00:01.000000000Z stdout F one', '2024-01-01T00:00:02.000000000Z stdout F two', '2024-01-01T00:00:03.000000000Z stdout F three');
  t.is(text(createRenderer({ timestamps: false, since: normalizeTime('2024-01-01T00:00:02Z') }).render(rs).out), 'two\nthree\n');
  const limited = createRenderer({ timestamps: false, limitBytes: 6 }).render(rs);
  t.is(text(limited.out), 'one\ntw');
  t.true(limited.done);
});

test('the renderer keeps its state across chunks', (t) => {
  const render = createRenderer({ timestamps: true });
  const first = render.render(records('2024-01-01T00:00:01.000000000Z stdout P ab'));
  const second = render.render(records('2024-01-01T00:00:02.000000000Z stdout F cd'));
  t.is(text(first.out) + text(second.out), '2024-01-01T00:00:01Z abcd\n');
});

test('timestamps print as Go RFC3339Nano and compare in the file form', (t) => {
  t.is(goTimestamp('2024-01-01T00:00:00.000000000Z'), '2024-01-01T00:00:00Z');
  t.is(goTimestamp('2024-01-01T00:00:00.120000000Z'), '2024-01-01T00:00:00.12Z');
  t.is(fileTimestamp(new Date('2024-01-01T00:00:00.123Z')), '2024-01-01T00:00:00.123000000Z');
  t.is(normalizeTime('2024-01-01T02:00:00.5+02:00'), '2024-01-01T00:00:00.500000000Z');
  t.throws(() => normalizeTime('yesterday'));
});

test('the splitter keeps an unfinished line for the next chunk', (t) => {
  const split = createLineSplitter();
  t.deepEqual(split(Buffer.from('a\nb')).map(String), ['a']);
  t.deepEqual(split(Buffer.from('c\n\nd')).map(String), ['bc', '']);
});
