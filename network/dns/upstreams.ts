// Where names outside the cluster domain are forwarded: the node's own resolvers, as its
// /etc/resolv.conf names them ("nameserver" lines), given as "address" or "address:port".
import fs from 'node:fs';
import net from 'node:net';

export interface Upstream {
  address: string;
  port: number;
}

/** "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" or "fe80::1%eth0"; errors name `field`. */
export function parseUpstream(text: string, field: string): Upstream {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const v4 = /^([\d.]+)(?::(\d+))?$/.exec(text);
  const [address, port] = bracketed ? [bracketed[1]!, bracketed[2]] : v4 ? [v4[1]!, v4[2]] : [text, undefined];
  const bare = address.replace(/%[\w.-]+$/, '');
  const number = port === undefined ? 53 : Number(port);
  if (!net.isIP(bare) || number < 1 || number > 65535) throw new TypeError(`${field}: "${text}" is not an IP address with an optional port (1.2.3.4, 1.2.3.4:53, [::1]:53)`);
  return { address, port: number };
}

/** The nameservers of a resolv.conf, in order. */
export function readUpstreams(path = '/etc/resolv.conf'): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the upstream resolvers from ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return text
    .split('\n')
    .map((line) => line.replace(/[#;].*$/, '').trim().split(/\s+/))
    .filter((words) => words[0] === 'nameserver' && words[1] !== undefined && net.isIP(words[1].replace(/%[\w.-]+$/, '')) !== 0)
    .map((words) => words[1]!);
}
