// The kubelet's two heartbeats: the Lease renewed every 10 s (cheap), and the Node status
// re-posted when it changes or every 5 minutes. Both go through the outbox, so an outage
// leaves one pending Lease and one pending status, not hours of them.
import type { Outbox } from '../sync/index.ts';
import { leaseReport, nodeReport, type NodeFacts } from './node-report.ts';

export interface Heartbeat {
  /** Reports now (e.g. on reconnect, so the node is Ready again at once). */
  beat(): void;
  stop(): void;
}

export interface HeartbeatOptions {
  facts: NodeFacts;
  outbox: Outbox;
  flush(): void;
  leaseSeconds: number;
  renewSeconds: number;
  statusSeconds?: number;
}

export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const readySince = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  let lastStatusAt = 0;
  let lastStatus = '';
  const statusEvery = (options.statusSeconds ?? 300) * 1000;

  function beat(force = false): void {
    const now = new Date();
    options.outbox.put(leaseReport(now, options.leaseSeconds));
    const report = nodeReport(options.facts, readySince, now);
    const { conditions: _c, ...steady } = report.status as { conditions: unknown };
    const fingerprint = JSON.stringify([report.labels, steady]);
    if (force || fingerprint !== lastStatus || now.getTime() - lastStatusAt >= statusEvery) {
      options.outbox.put(report);
      lastStatus = fingerprint;
      lastStatusAt = now.getTime();
    }
    options.flush();
  }

  beat(true);
  const timer = setInterval(() => beat(), options.renewSeconds * 1000);
  return { beat: () => beat(true), stop: () => clearInterval(timer) };
}
