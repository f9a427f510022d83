// Ports a test names before it starts a process on them (a server that must come back on the
// same port after kill -9, a broker's address written into a config, a port nothing listens on).
//
// A port the kernel handed out with listen(0) and that was closed again lies in the ephemeral
// range: until the process binds it, any outgoing connection or listen(0) of a test running
// alongside can take it (CI saw a server exit with EADDRINUSE this way). Ports below that range
// are never handed out by the kernel, so only another test's pick can collide, and a pick
// both proves it can bind and is not handed out twice within one test process.
import fs from 'node:fs';
import net from 'node:net';

const LOWEST = 10_000;
const picked = new Set<number>();

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
    if (picked.has(port)) continue;
    if (await canBind(port)) {
      picked.add(port);
      return port;
    }
  }
  return kernelPort();
}

/** Whether an error or a process's output says its address was taken. */
export function isAddressInUse(error: unknown): boolean {
  return /EADDRINUSE/.test(error instanceof Error ? error.message : String(error));
}
