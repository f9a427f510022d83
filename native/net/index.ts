// TCP connections from inside another network namespace (a pod's), for the prober: the
// addon makes the socket on a thread of its own that entered the namespace, connects it
// with a deadline, and hands the fd over; here it becomes an ordinary net.Socket.
import net from 'node:net';
import { addon } from '../load.ts';

/**
 * Connects to `address` (an IP literal) and `port` from inside the network namespace file
 * `nsPath` (e.g. <podsRoot>/<uid>/ns/net). Rejects with the failing step and errno
 * ("connect to 127.0.0.1:80 in …/ns/net: ECONNREFUSED (Connection refused)"); a connect that
 * takes longer than `timeoutMs` rejects with ETIMEDOUT.
 */
export async function connectInNetns(nsPath: string, address: string, port: number, timeoutMs: number): Promise<net.Socket> {
  const fd = await addon().connectInNetns(nsPath, address, port, Math.max(1, Math.ceil(timeoutMs)));
  return new net.Socket({ fd, readable: true, writable: true });
}
export { deleteLink, linkAddresses, linkInfo, runNetlink, type Link, type LinkAddress, type NetlinkStep, type NetlinkStepResult, type Route } from './netlink.ts';
