// Ports a test names before it starts a process on them (a server that must come back on the
// same port after kill -9, a broker's address written into a config, a port nothing listens on).
//
// A port the kernel handed out with listen(0) and that was closed again lies in the ephemeral
// range: until the process binds it, any outgoing connection or listen(0) of a test running
// alongside can take it (CI saw a server exit with EADDRINUSE this way). Ports below that range
// are never handed out by the kernel, so only another test's pick can collide. A pick proves
// it can bind, and is reserved for this process by a file named after the port (created with
// O_EXCL, holding our pid) until it exits: ava runs each test file in its own process, and a
// server restarted on its ports after kill -9 must find them still free.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const LOWEST = 10_000;
const RESERVATIONS = path.join(os.tmpdir(), 'skerry-test-ports');
const reserved = new Set<string>();

process.once('exit', () => {
  for (const file of reserved) fs.rmSync(file, { force: true });
  try {
    fs.rmdirSync(RESERVATIONS);
  } catch {
    // Another test process still holds ports.
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reserves `port` for this process; false when a live process holds it. */
function reserve(port: number): boolean {
  const file = path.join(RESERVATIONS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.mkdirSync(RESERVATIONS, { recursive: true });
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      reserved.add(file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      const owner = Number(fs.readFileSync(file, 'utf8').trim());
      if (owner > 0 && alive(owner)) return false;
      // Left by a test process that was killed: take it over.
      fs.rmSync(file, { force: true });
    }
  }
  return false;
}

function ephemeralRange(): [number, number] {
  try {
    const [low, high] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // Not Linux, or /proc is not mounted: the kernel's default range.
  }
  return [32_768, 60_999];
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function kernelPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A port on 127.0.0.1 that nothing listens on, outside the kernel's ephemeral range where it can. */
export async function freePort(): Promise<number> {
  const [low] = ephemeralRange();
  const highest = low - 1;
  if (highest - LOWEST < 1_000) return kernelPort();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1));
    if (reserved.has(path.join(RESERVATIONS, String(port)))) continue;
    if (!reserve(port)) continue;
    if (await canBind(port)) return port;
  }
  return kernelPort();
}

/** Whether an error or a process's output says its address was taken. */
export function isAddressInUse(error: unknown): boolean {
  return /EADDRINUSE/.test(error instanceof Error ? error.message : String(error));
}
