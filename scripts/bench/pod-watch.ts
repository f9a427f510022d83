/**
 * One watch on a collection from now on, for benches that time what a user would see with
 * `kubectl get -w`: each event is handed over with the moment its line arrived.
 */
import https from 'node:https';
import type { ClusterServer } from '../../test/helpers/cluster.ts';

export interface WatchEvent {
  type: string;
  object: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function watchCollection(server: ClusterServer, collection: string, onEvent: (event: WatchEvent, at: number) => void): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const path = `${collection}?watch=true&allowWatchBookmarks=false`;
    const req = https.get({ host: '127.0.0.1', port: server.apiPort, path, ca: server.ca, headers: { Authorization: `Bearer ${server.token}` } }, (res) => {
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        const now = Date.now();
        buffer += chunk;
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent, now);
        }
      });
      res.on('error', () => undefined);
      resolve({ close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}
