// tcpSocket probes (pkg/probe/tcp): a connection that opens is a success; every dial error,
// a timeout included, is a failure whose output is the error.
import type { HandlerOutcome } from './common.ts';
import type { Dial, Endpoint } from './dial.ts';

export async function tcpProbe(endpoint: Endpoint, timeoutMs: number, dial: Dial): Promise<HandlerOutcome> {
  try {
    const socket = await dial(endpoint, timeoutMs);
    socket.destroy();
    return { result: 'success', output: '' };
  } catch (error) {
    return { result: 'failure', output: (error as Error).message };
  }
}
