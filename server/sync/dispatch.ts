// Routes one MQTT message from a node to its handler. The broker's ACL guarantees the
// topic's node is the sender; the payload is checked before anything acts on it.
import { componentLogger } from '../../common/index.ts';
import { decodePresence, decodeUp, parseNodeTopic } from '../../common/sync/index.ts';
import type { ReportInbox } from './inbox.ts';
import type { NodeSession } from './session.ts';

const log = componentLogger('sync');

export interface DispatchDeps {
  session(node: string): NodeSession;
  inbox: ReportInbox;
}

export function dispatcher(deps: DispatchDeps): (topic: string, payload: Buffer) => void {
  return (topic, payload) => {
    const at = parseNodeTopic(topic);
    if (!at) return log.debug({ topic }, 'message outside the node tree dropped');
    try {
      if (at.leaf === 'presence') {
        const presence = decodePresence(payload);
        deps.session(at.node).online(presence.online);
        return;
      }
      if (at.leaf !== 'up') return;
      const message = decodeUp(payload);
      switch (message.t) {
        case 'hello':
          void deps.session(at.node).hello(message.session, message.lastRevision).catch((error: unknown) => log.error({ err: error, node: at.node }, 'answering hello failed'));
          return;
        case 'ack':
          return deps.session(at.node).ack(message.session, message.rev);
        case 'report':
          return deps.inbox.receive(at.node, message);
      }
    } catch (error) {
      log.warn({ node: at.node, topic, bytes: payload.length, reason: (error as Error).message }, 'malformed message dropped');
    }
  };
}
