import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { AddressesExhaustedError, openAllocator, parseSubnet } from './index.ts';

const INDEX = fileURLToPath(new URL('./index.ts', import.meta.url));
const dirs: string[] = [];

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-ipam-'));
  dirs.push(dir);
  return dir;
}

test.after.always(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('a subnet must be an IPv4 CIDR without host bits, with room for a pod', (t) => {
  t.like(parseSubnet('10.42.3.0/24'), { network: 0x0a2a0300, prefixLength: 24, size: 256, gateway: '10.42.3.1' });
  t.throws(() => parseSubnet('10.42.3.0'), { message: /subnet: "10.42.3.0" is not an IPv4 CIDR/ });
  t.throws(() => parseSubnet('10.42.300.0/24'), { message: /is not an IPv4 CIDR/ });
  t.throws(() => parseSubnet('10.42.3.0/33'), { message: /is not an IPv4 CIDR/ });
  t.throws(() => parseSubnet(42), { message: /subnet: must be an IPv4 CIDR/ });
  t.throws(() => parseSubnet('10.42.3.7/24'), { message: 'Configuration is not valid: subnet: 10.42.3.7/24 has host bits set; the network is 10.42.3.0/24' });
  t.throws(() => parseSubnet('10.42.3.0/31'), { message: /a \/31 leaves no address for pods beside the gateway/ });
  t.throws(() => parseSubnet('10.42.3.0/24x', 'podCIDR'), { message: /^Configuration is not valid: podCIDR: / });
});

test('addresses start after the gateway and skip network and broadcast; the container id is in the file', (t) => {
  const allocator = openAllocator({ subnet: '10.42.3.0/30', dataDir: dataDir() });
  const only = allocator.allocate('c1');
  t.deepEqual(only, { address: '10.42.3.2', prefixLength: 30, cidr: '10.42.3.2/30', gateway: '10.42.3.1' });
  t.is(fs.readFileSync(path.join(allocator.dir, '10.42.3.2'), 'utf8'), 'c1');
  const error = t.throws(() => allocator.allocate('c2'), { instanceOf: AddressesExhaustedError });
  t.is(error!.message, `no free pod address in 10.42.3.0/30: all 1 are allocated (see ${allocator.dir})`);
  t.is((error as AddressesExhaustedError).code, 'ADDRESSES_EXHAUSTED');
});

test('a /24 hands out .2 to .254 and then is exhausted', (t) => {
  const allocator = openAllocator({ subnet: '10.42.3.0/24', dataDir: dataDir() });
  const got = new Set<string>();
  for (let i = 0; i < 253; i++) got.add(allocator.allocate(`c${i}`).address);
  t.is(got.size, 253);
  t.false(got.has('10.42.3.0'));
  t.false(got.has('10.42.3.1'));
  t.false(got.has('10.42.3.255'));
  t.true(got.has('10.42.3.2') && got.has('10.42.3.254'));
  t.throws(() => allocator.allocate('one-too-many'), { instanceOf: AddressesExhaustedError });
});

test('allocating for a container that has an address gives that address again', (t) => {
  const allocator = openAllocator({ subnet: '10.42.3.0/24', dataDir: dataDir() });
  const first = allocator.allocate('abc');
  allocator.allocate('other');
  t.deepEqual(allocator.allocate('abc'), first);
  t.deepEqual(allocator.lookup('abc'), first);
  t.is(allocator.allocations().size, 2);
});

test('a new allocator over the same directory knows every allocation (restart)', (t) => {
  const dir = dataDir();
  const before = openAllocator({ subnet: '10.42.3.0/24', dataDir: dir });
  const a = before.allocate('a');
  const b = before.allocate('b');
  before.release('a');
  const after = openAllocator({ subnet: '10.42.3.0/24', dataDir: dir });
  t.deepEqual(after.lookup('b'), b);
  t.is(after.lookup('a'), undefined);
  t.deepEqual(after.allocate('b'), b);
  // The search goes on after the last address handed out: a's freed address is not reused at once.
  const c = after.allocate('c');
  t.not(c.address, a.address);
  t.is(c.address, '10.42.3.4');
});

test('the search wraps around to addresses freed at the start', (t) => {
  const allocator = openAllocator({ subnet: '10.42.3.0/29', dataDir: dataDir() });
  const addresses = ['a', 'b', 'c', 'd', 'e'].map((id) => allocator.allocate(id).address);
  t.deepEqual(addresses, ['10.42.3.2', '10.42.3.3', '10.42.3.4', '10.42.3.5', '10.42.3.6']);
  allocator.release('b');
  t.is(allocator.allocate('f').address, '10.42.3.3');
});

test('an address file made by someone else is never handed out', (t) => {
  const allocator = openAllocator({ subnet: '10.42.3.0/24', dataDir: dataDir() });
  fs.writeFileSync(path.join(allocator.dir, '10.42.3.2'), 'elsewhere');
  t.is(allocator.allocate('mine').address, '10.42.3.3');
});

test('the container index is believed only while the address file still names the container', (t) => {
  const allocator = openAllocator({ subnet: '10.42.3.0/24', dataDir: dataDir() });
  const first = allocator.allocate('a');
  t.is(fs.readlinkSync(path.join(allocator.dir, 'containers', 'a')), first.address);
  fs.writeFileSync(path.join(allocator.dir, first.address), 'b');
  t.is(allocator.lookup('a'), undefined);
  const second = allocator.allocate('a');
  t.not(second.address, first.address);
  t.is(fs.readlinkSync(path.join(allocator.dir, 'containers', 'a')), second.address);
  // An address file without an index entry (a crash between the two) is freed by release.
  fs.rmSync(path.join(allocator.dir, 'containers', 'a'));
  fs.writeFileSync(path.join(allocator.dir, first.address), 'a');
  t.deepEqual(allocator.release('a').sort(), [first.address, second.address].sort());
  t.is(allocator.allocations().size, 0);
});

test('release frees only files that still name the container', (t) => {
  const allocator = openAllocator({ subnet: '10.42.3.0/24', dataDir: dataDir() });
  const mine = allocator.allocate('mine');
  fs.writeFileSync(path.join(allocator.dir, mine.address), 'someone-else');
  t.deepEqual(allocator.release('mine'), []);
  t.true(fs.existsSync(path.join(allocator.dir, mine.address)));
  fs.writeFileSync(path.join(allocator.dir, mine.address), 'mine');
  t.deepEqual(allocator.release('mine'), [mine.address]);
  t.deepEqual(allocator.release('mine'), []);
  t.false(fs.existsSync(path.join(allocator.dir, mine.address)));
});

test('an address outside the subnet (an old pod CIDR) is not given back, but is released', (t) => {
  const dir = dataDir();
  const old = openAllocator({ subnet: '10.42.3.0/24', dataDir: dir });
  old.allocate('c');
  const now = openAllocator({ subnet: '10.42.4.0/24', dataDir: dir });
  t.is(now.lookup('c'), undefined);
  t.is(now.allocate('c').address, '10.42.4.2');
  t.deepEqual(now.release('c').sort(), ['10.42.3.2', '10.42.4.2']);
});

test('bad container ids and data dirs are refused with the field named', (t) => {
  t.throws(() => openAllocator({ subnet: '10.42.3.0/24', dataDir: 'relative' }), { message: /dataDir: must be an absolute path/ });
  const allocator = openAllocator({ subnet: '10.42.3.0/24', dataDir: dataDir() });
  t.throws(() => allocator.allocate('../etc'), { message: /containerId: "..\/etc" must start with a letter or digit/ });
  t.throws(() => allocator.allocate(''), { message: /containerId/ });
});

// Many processes allocating at once over one directory: O_EXCL is what keeps them apart.
// Each process loads first and says "ready"; all are told "go" together, so their
// allocations overlap instead of following each process's start-up.
async function allocateInProcesses(dir: string, subnet: string, processes: number, count: number): Promise<Array<{ got: string[]; exhausted: number }>> {
  const script = `
    import { openAllocator } from ${JSON.stringify(INDEX)};
    const allocator = openAllocator({ subnet: ${JSON.stringify(subnet)}, dataDir: ${JSON.stringify(dir)} });
    process.stdout.write('ready\\n');
    process.stdin.once('data', () => {
      const got = []; let exhausted = 0;
      for (let i = 0; i < ${count}; i++) {
        try { got.push(allocator.allocate(process.argv[1] + i).address); }
        catch (e) { if (e.code === 'ADDRESSES_EXHAUSTED') exhausted++; else throw e; }
      }
      process.stdout.write(JSON.stringify({ got, exhausted }));
      process.exit(0);
    });`;
  const children = Array.from({ length: processes }, (_, p) =>
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, `p${p}-`], { cwd: path.dirname(INDEX), stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const outputs = children.map((child) => {
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => (text += String(chunk)));
    return {
      ready: new Promise<void>((resolve) => child.stdout!.once('data', () => resolve())),
      done: new Promise<string>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`allocating process exited ${code}`))))),
    };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const child of children) child.stdin!.write('go\n');
  return Promise.all(outputs.map(async (o) => JSON.parse((await o.done).replace(/^ready\n/, '')) as { got: string[]; exhausted: number }));
}

test('processes allocating concurrently never get the same address', async (t) => {
  const dir = dataDir();
  const results = await allocateInProcesses(dir, '10.42.0.0/22', 6, 150);
  const all = results.flatMap((r) => r.got);
  t.is(all.length, 900);
  t.is(new Set(all).size, 900, 'an address was handed out twice');
  t.is(openAllocator({ subnet: '10.42.0.0/22', dataDir: dir }).allocations().size, 900);
});

test('processes racing for the last addresses: exactly as many win as there are addresses', async (t) => {
  const dir = dataDir();
  const results = await allocateInProcesses(dir, '10.42.3.0/26', 4, 30);
  const all = results.flatMap((r) => r.got);
  t.is(all.length, 61);
  t.is(new Set(all).size, 61);
  t.is(results.reduce((sum, r) => sum + r.exhausted, 0), 120 - 61);
});
