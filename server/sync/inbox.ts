// Upstream reports, applied per node in the order sent and acknowledged by sequence number.
// A report the broker delivers twice, or the agent resends after a lost acknowledgement,
// is recognised by its sequence number and acknowledged again without being re-applied.
import { componentLogger } from '../../common/index.ts';
import type { ReportMessage } from '../../common/sync/index.ts';
import type { ReportWriter } from './reports.ts';

const log = componentLogger('sync');

export interface ReportInbox {
  receive(node: string, message: ReportMessage): void;
  drain(): Promise<void>;
}

export function createReportInbox(write: ReportWriter, acknowledge: (node: string, seq: number) => void): ReportInbox {
  const applied = new Map<string, { session: string; seq: number }>();
  const chains = new Map<string, Promise<void>>();

  async function apply(node: string, message: ReportMessage): Promise<void> {
    const last = applied.get(node);
    // Sequence numbers belong to the agent's outbox, which outlives its sessions; only a
    // lower number within the same session is a duplicate.
    let done = last && last.session === message.session ? last.seq : -1;
    for (const { seq, report } of message.items) {
      if (seq <= done) continue;
      try {
        await write(node, report);
      } catch (error) {
        log.warn({ err: error, node, seq }, 'report not applied; the node will resend it');
        break;
      }
      done = seq;
      applied.set(node, { session: message.session, seq });
    }
    if (done >= 0) acknowledge(node, done);
  }

  return {
    receive(node, message) {
      const next = (chains.get(node) ?? Promise.resolve()).then(() => apply(node, message));
      chains.set(node, next);
      void next.finally(() => chains.get(node) === next && chains.delete(node));
    },
    drain: async () => void (await Promise.allSettled([...chains.values()])),
  };
}
