import test from 'ava';
import { dataFrames, decodeFrame, encodeFrame, FrameError, MAX_FRAME_DATA, type TunnelFrame } from './index.ts';

test('every frame survives the round trip', (t) => {
  const frames: TunnelFrame[] = [
    { type: 'stdin', data: Buffer.from('in') },
    { type: 'stdout', data: Buffer.from([0, 255, 10]) },
    { type: 'stderr', data: Buffer.alloc(0) },
    { type: 'status', status: { status: 'Success', metadata: {} } },
    { type: 'resize', size: { width: 80, height: 24 } },
    { type: 'ready' },
    { type: 'close', channel: 'stdin' },
  ];
  for (const frame of frames) t.deepEqual(decodeFrame(encodeFrame(frame)), frame);
});

test('data frames carry the Kubernetes channel byte first', (t) => {
  t.deepEqual([...encodeFrame({ type: 'stdout', data: Buffer.from('x') })], [1, 0x78]);
  t.deepEqual([...encodeFrame({ type: 'close', channel: 'stdin' })], [255, 0]);
});

test('bad frames are refused with a reason', (t) => {
  for (const bytes of [Buffer.alloc(0), Buffer.of(9), Buffer.of(3, 0x7b), Buffer.from('\x04{"Width":-1,"Height":2}'), Buffer.of(255, 7), Buffer.from('\x03[1]')]) {
    t.throws(() => decodeFrame(bytes), { instanceOf: FrameError }, bytes.toString('hex'));
  }
});

test('large data is cut into frames', (t) => {
  const frames = dataFrames('stdout', Buffer.alloc(MAX_FRAME_DATA * 2 + 1));
  t.deepEqual(frames.map((f) => (f as { data: Buffer }).data.length), [MAX_FRAME_DATA, MAX_FRAME_DATA, 1]);
});
