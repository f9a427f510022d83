// A relay from a Unix socket to a TCP address inside a network namespace: the test process,
// in the host's namespace, reaches a server that listens only inside the lab. A Unix socket
// is a file, so the relay (run inside the namespace) can serve it to the host.
import type { ChildProcess } from 'node:child_process';

/** node -e RELAY_SCRIPT SOCKET HOST PORT: prints "listening" once the socket is open. */
export const RELAY_SCRIPT = `const net = require('node:net');
const [path, host, port] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(Number(port), host);
  const end = () => { c.destroy(); u.destroy(); };
  c.pipe(u).pipe(c);
  c.on('error', end).on('close', end);
  u.on('error', end).on('close', end);
}).listen(path, () => console.log('listening'));`;

/** The relay's argv for `spawn`, given where the socket goes and what it forwards to. */
export const relayArgv = (socketPath: string, host: string, port: number): string[] => [process.execPath, '-e', RELAY_SCRIPT, socketPath, host, String(port)];

/** Resolves once the relay started with `relayArgv` (stdout piped) listens. */
export function relayListening(child: ChildProcess, where: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`relay in ${where} exited with ${code}`)));
  });
}
