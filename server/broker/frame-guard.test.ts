import test from 'ava';
import { FrameLengthGuard } from './frame-guard.ts';

/** An MQTT packet of `bodyLength` bytes after a fixed header with a varint length. */
function packet(bodyLength: number): Buffer {
  const length: number[] = [];
  let n = bodyLength;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    length.push(byte);
  } while (n > 0);
  return Buffer.concat([Buffer.from([0x30, ...length]), Buffer.alloc(bodyLength, 1)]);
}

test('packets within the limit pass, however the bytes are split', (t) => {
  const stream = Buffer.concat([packet(0), packet(127), packet(128), packet(16_384), packet(1000)]);
  const whole = new FrameLengthGuard(16_384);
  t.true(whole.feed(stream));
  const bytewise = new FrameLengthGuard(16_384);
  for (let i = 0; i < stream.length; i++) t.true(bytewise.feed(stream.subarray(i, i + 1)));
});

test('the first packet over the limit is caught from its header alone', (t) => {
  const guard = new FrameLengthGuard(1000);
  t.true(guard.feed(packet(10)));
  t.false(guard.feed(packet(1001).subarray(0, 3)));
});

test('a length split across chunks is still read whole', (t) => {
  const guard = new FrameLengthGuard(200_000);
  const big = packet(300_000);
  t.true(guard.feed(big.subarray(0, 2)));
  t.false(guard.feed(big.subarray(2, 4)));
});

test('a length of more than four bytes is malformed', (t) => {
  t.false(new FrameLengthGuard(Number.MAX_SAFE_INTEGER).feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])));
});
