// The node's side of the sync protocol (DESIGN §5): hello on every connect, apply batches
// only on top of the revision the cache holds, acknowledge once durable, and drain the
// outbox in order. Anything out of order, duplicated or half-delivered is answered with a
// fresh hello rather than trusted, so no broker behaviour can corrupt the cache.
import crypto from 'node:crypto';
import { componentLogger } from '../../common/index.ts';
import {
  connectLink,
  decodeDown,
  decodeHead,
  encodeMessage,
  nodeTopic,
  type BatchMessage,
  type StreamMessage,
  type UpMessage,
  type ViewChange,
} from '../../common/sync/index.ts';
import { WRITE_BEHIND_MS, type Outbox } from './outbox.ts';
import type { ViewCache } from './view-cache.ts';

const log = componentLogger('agent-sync');

export interface AgentSyncOptions {
  node: string;
  broker: { url: string; username: string; password: string; ca?: string };
  cache: ViewCache;
  outbox: Outbox;
  keepaliveSeconds: number;
  /** Called after each applied batch with what changed (everything, for a snapshot). */
  onApplied?: (batch: { full: boolean; changes: ViewChange[] }) => void;
  onOnline?: (online: boolean) => void;
  /** The server asks for a log or exec stream: dial the tunnel (edge-agent/tunnel). */
  onStream?: (request: StreamMessage) => void;
}

export interface AgentSync {
  session: string;
  online(): boolean;
  /**
   * Sends what the outbox holds, if connected, once the outbox has written its waiting puts:
   * a put followed at once by a send would force one commit (one fsync) per put, which the
   * outbox's write-behind exists to avoid.
   */
  flush(): void;
  stop(): Promise<void>;
}

const REPORTS_PER_MESSAGE = 100;
const REPORT_RESEND_MS = 5_000;
const HELLO_MIN_INTERVAL_MS = 1_000;
const RECONNECT_BACKOFF = { initialMs: 500, maxMs: 3_000 };

export function startAgentSync(options: AgentSyncOptions): AgentSync {
  const session = crypto.randomBytes(8).toString('hex');
  const { node, cache, outbox } = options;
  const presence = (online: boolean) => encodeMessage({ t: 'presence', session, online });
  // A node must be back within seconds of its link returning (the 5 s), so its retries
  // stay short: jittered between 0.25 and 3 s, which still spreads a fleet's reconnects.
  const client = connectLink({ ...options.broker, keepaliveSeconds: options.keepaliveSeconds, will: { topic: nodeTopic(node, 'presence'), payload: presence(false) }, backoff: RECONNECT_BACKOFF });
  let connected = false;
  let epoch: string | undefined;
  let parts: { from: number; to: number; full: boolean; got: Map<number, ViewChange[]>; parts: number } | undefined;
  let lastHelloAt = 0;
  let catchingUp = false;
  let reportsSentUpTo = 0;
  let reportsSentAt = 0;

  const send = (message: UpMessage) => client.publish(nodeTopic(node, 'up'), encodeMessage(message), { qos: 1 });
  function hello(force = false): void {
    if (!connected || (!force && Date.now() - lastHelloAt < HELLO_MIN_INTERVAL_MS)) return;
    lastHelloAt = Date.now();
    parts = undefined;
    catchingUp = true;
    send({ t: 'hello', session, lastRevision: cache.lastRevision() });
  }

  function onBatch(batch: BatchMessage): void {
    if (epoch !== batch.epoch) epoch = batch.epoch;
    const have = cache.lastRevision();
    if (!batch.full && batch.to <= have) return void send({ t: 'ack', session, rev: have });
    if (!batch.full && batch.from !== have) return void hello();
    if (!parts || parts.from !== batch.from || parts.to !== batch.to || parts.full !== batch.full || parts.parts !== batch.parts) {
      parts = { from: batch.from, to: batch.to, full: batch.full, got: new Map(), parts: batch.parts };
    }
    parts.got.set(batch.part, batch.changes);
    if (parts.got.size < parts.parts) return;
    const changes = [...parts.got.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, c]) => c);
    parts = undefined;
    cache.apply({ from: batch.from, to: batch.to, full: batch.full, changes });
    send({ t: 'ack', session, rev: batch.to });
    const fields = { from: batch.from, to: batch.to, full: batch.full, changes: changes.length, parts: batch.parts };
    if (catchingUp) log.info(fields, batch.full ? 'view replaced by a snapshot' : 'view caught up');
    else log.debug(fields, 'view batch applied');
    catchingUp = false;
    options.onApplied?.({ full: batch.full, changes });
  }

  function onStream(request: StreamMessage): void {
    if (!options.onStream) return log.warn({ id: request.id, kind: request.kind }, 'stream request dropped: this agent has no tunnel');
    options.onStream(request);
  }

  function flush(): void {
    if (!connected) return;
    // Resend from the start of the outbox when the last report went unacknowledged too long.
    if (reportsSentUpTo > 0 && Date.now() - reportsSentAt > REPORT_RESEND_MS) reportsSentUpTo = 0;
    const items = outbox.pending(REPORTS_PER_MESSAGE, reportsSentUpTo);
    if (items.length === 0) return;
    reportsSentUpTo = items[items.length - 1]!.seq;
    reportsSentAt = Date.now();
    send({ t: 'report', session, items });
  }

  let flushTimer: NodeJS.Timeout | undefined;
  const flushAfterWrite = () => {
    flushTimer ??= setTimeout(() => {
      flushTimer = undefined;
      flush();
    }, WRITE_BEHIND_MS);
  };
  client.on('connect', () => {
    connected = true;
    reportsSentUpTo = 0;
    client.subscribe([nodeTopic(node, 'down'), nodeTopic(node, 'head')], { qos: 1 }, (error) => {
      if (error) return log.warn({ err: error }, 'subscribing to the view failed');
      client.publish(nodeTopic(node, 'presence'), presence(true), { qos: 1 });
      hello(true);
      flush();
    });
    log.info({ broker: options.broker.url, lastRevision: cache.lastRevision() }, 'connected to the broker');
    options.onOnline?.(true);
  });
  client.on('close', () => {
    if (connected) log.warn('broker connection lost; running from the local cache');
    if (connected) options.onOnline?.(false);
    connected = false;
  });
  client.on('error', (error) => log.warn({ err: error }, 'broker connection error'));
  client.on('message', (topic, payload) => {
    try {
      if (topic === nodeTopic(node, 'head')) {
        const head = decodeHead(payload);
        if (head.epoch !== epoch) {
          epoch = head.epoch;
          hello(true);
        }
        return;
      }
      const message = decodeDown(payload);
      if (message.t === 'batch') return onBatch(message);
      if (message.t === 'stream') return onStream(message);
      outbox.ack(message.seq);
      if (message.seq >= reportsSentUpTo) flushAfterWrite();
    } catch (error) {
      log.warn({ topic, bytes: payload.length, reason: (error as Error).message }, 'malformed message dropped');
    }
  });
  const resend = setInterval(flush, REPORT_RESEND_MS);


  return {
    session,
    online: () => connected,
    flush: flushAfterWrite,
    stop: async () => {
      clearInterval(resend);
      clearTimeout(flushTimer);
      if (connected) await client.publishAsync(nodeTopic(node, 'presence'), presence(false), { qos: 1 }).catch(() => undefined);
      await client.endAsync(true);
    },
  };
}
