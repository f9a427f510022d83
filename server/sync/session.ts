// One node's downstream stream: which revision the node has acknowledged, which batches are
// in flight, and what to send next. Every recovery — a hello after reconnect, a lost batch,
// a server restart — is the same step: send what turns the view the node acknowledged into
// the current one, or a snapshot when that base is no longer known.
import type { BatchMessage, ViewChange } from '../../common/sync/index.ts';
import { diffViews, snapshotChanges, type View } from './view.ts';

export interface SessionDeps {
  node: string;
  epoch: string;
  send(batch: BatchMessage): void;
  /** The node's view now and the store revision it is current to. */
  current(): { revision: number; view: View };
  /** The node's view as of an older revision; undefined when compacted or unknown. */
  viewAt(revision: number): Promise<View | undefined>;
  maxBatchBytes: number;
  /** Batches in flight before waiting for acknowledgements (DESIGN §5: about 20). */
  window: number;
  now(): number;
}

export interface NodeSession {
  hello(session: string, lastRevision: number): Promise<void>;
  ack(session: string, rev: number): void;
  /** The node's view may have changed: send the difference if the window allows. */
  refresh(): void;
  /** Resend from the last acknowledgement when batches stay unacknowledged too long. */
  tick(): Promise<void>;
  online(value: boolean): void;
  state(): { session?: string; acked: number; sentTo: number; inflight: number; online: boolean };
}

const RESEND_AFTER_MS = [2_000, 4_000, 8_000, 16_000, 30_000];

export function createNodeSession(deps: SessionDeps): NodeSession {
  let session: string | undefined;
  let online = false;
  let acked = 0;
  let ackedView: View | undefined;
  let sentTo = 0;
  let sentView: View = new Map();
  let inflight: Array<{ to: number; view: View }> = [];
  let lastSendAt = 0;
  let resends = 0;
  let held = false;
  let chain = Promise.resolve();

  // Hellos and resends read history asynchronously; one at a time keeps the state coherent.
  const serial = (step: () => Promise<void>) => (chain = chain.then(step, step));

  async function restartFrom(revision: number): Promise<void> {
    const base = revision === 0 ? undefined : revision === acked && ackedView ? ackedView : await deps.viewAt(revision);
    const { revision: to, view } = deps.current();
    const usable = base !== undefined && revision <= to;
    acked = usable ? revision : 0;
    ackedView = usable ? base : undefined;
    inflight = [];
    emit(acked, to, !usable, usable ? diffViews(base!, view) : snapshotChanges(view), view);
  }

  function emit(from: number, to: number, full: boolean, changes: ViewChange[], view: View): void {
    const parts = split(changes, deps.maxBatchBytes);
    parts.forEach((part, i) => deps.send({ t: 'batch', epoch: deps.epoch, from, to, full, part: i, parts: parts.length, changes: part }));
    sentTo = to;
    sentView = view;
    inflight.push({ to, view });
    lastSendAt = deps.now();
  }

  function refresh(): void {
    if (session === undefined || !online) return;
    if (inflight.length >= deps.window) return void (held = true);
    held = false;
    const { revision, view } = deps.current();
    if (revision <= sentTo) return;
    const changes = diffViews(sentView, view);
    if (changes.length === 0) return;
    emit(sentTo, revision, false, changes, view);
  }

  return {
    hello: (id, lastRevision) =>
      serial(async () => {
        session = id;
        online = true;
        resends = 0;
        await restartFrom(lastRevision);
      }),
    ack(id, rev) {
      if (id !== session) return;
      const index = inflight.findIndex((f) => f.to === rev);
      if (index < 0) return;
      acked = rev;
      ackedView = inflight[index]!.view;
      inflight = inflight.slice(index + 1);
      resends = 0;
      if (held || inflight.length === 0) refresh();
    },
    refresh,
    tick: () =>
      serial(async () => {
        if (session === undefined || !online || inflight.length === 0) return;
        if (deps.now() - lastSendAt < RESEND_AFTER_MS[Math.min(resends, RESEND_AFTER_MS.length - 1)]!) return;
        resends++;
        await restartFrom(acked);
      }),
    online(value) {
      online = value;
      if (!value) inflight = [];
    },
    state: () => ({ session, acked, sentTo, inflight: inflight.length, online }),
  };
}

/** Cuts changes into parts of about `maxBytes` each (judged by their JSON size). */
export function split(changes: ViewChange[], maxBytes: number): ViewChange[][] {
  const parts: ViewChange[][] = [[]];
  let size = 0;
  for (const change of changes) {
    const bytes = change.object ? JSON.stringify(change.object).length + change.key.length : change.key.length + 16;
    if (size > 0 && size + bytes > maxBytes) {
      parts.push([]);
      size = 0;
    }
    parts[parts.length - 1]!.push(change);
    size += bytes;
  }
  return parts;
}
