import test from 'ava';
import type { BatchMessage } from '../../common/sync/index.ts';
import { createNodeSession, split } from './session.ts';
import type { View } from './view.ts';

/** A world whose view changes by revision, and an agent that applies batches as the real one does. */
function harness(options: { drop?: (batch: BatchMessage, n: number) => boolean } = {}) {
  let revision = 1;
  let world: View = new Map();
  const history = new Map<number, View>([[1, new Map()]]);
  const agent = { rev: 0, view: new Map<string, string>(), hellos: 0 };
  let clock = 0;
  let sent = 0;
  const inbox: BatchMessage[] = [];
  const session = createNodeSession({
    node: 'n1',
    epoch: 'e',
    send: (batch) => {
      if (!options.drop?.(batch, sent++)) inbox.push(batch);
    },
    current: () => ({ revision, view: world }),
    viewAt: async (rev) => history.get(rev),
    maxBatchBytes: 200,
    window: 3,
    now: () => clock,
  });
  const deliver = async () => {
    while (inbox.length) {
      const b = inbox.shift()!;
      if (!b.full && b.to <= agent.rev) continue;
      if (!b.full && b.from !== agent.rev) {
        agent.hellos++;
        await session.hello('s', agent.rev);
        continue;
      }
      if (b.parts !== 1) throw new Error('parts are tested elsewhere');
      if (b.full) agent.view.clear();
      for (const c of b.changes) c.object === null ? agent.view.delete(c.key) : agent.view.set(c.key, JSON.stringify(c.object));
      agent.rev = b.to;
      session.ack('s', b.to);
    }
  };
  const change = (key: string, value: string | null) => {
    world = new Map(world);
    revision++;
    if (value === null) world.delete(key);
    else world.set(key, { rev: revision, object: { value }, fingerprint: value });
    history.set(revision, world);
    session.refresh();
  };
  const converged = (t: import('ava').ExecutionContext) => {
    t.is(agent.rev, revision);
    t.deepEqual(Object.fromEntries(agent.view), Object.fromEntries([...world].map(([k, e]) => [k, JSON.stringify(e.object)])));
  };
  return { session, agent, change, deliver, converged, tick: (ms: number) => ((clock += ms), session.tick()), inbox };
}

test('hello from zero gets a snapshot, then deltas follow', async (t) => {
  const h = harness();
  h.change('a', '1');
  await h.session.hello('s', 0);
  h.session.online(true);
  await h.deliver();
  h.change('b', '2');
  h.change('a', null);
  await h.deliver();
  h.converged(t);
});

test('a lost batch is noticed at the next one and repaired by a delta, not a snapshot', async (t) => {
  const h = harness({ drop: (_b, n) => n === 1 });
  await h.session.hello('s', 0);
  await h.deliver();
  h.change('a', '1');
  h.change('b', '2');
  await h.deliver();
  h.change('c', '3');
  await h.deliver();
  h.converged(t);
  t.is(h.agent.hellos, 1);
});

test('a lost last batch is resent after the resend delay', async (t) => {
  const h = harness({ drop: (_b, n) => n === 1 });
  await h.session.hello('s', 0);
  await h.deliver();
  h.change('a', '1');
  await h.deliver();
  t.is(h.agent.rev, 1);
  await h.tick(1_000);
  t.is(h.inbox.length, 0, 'no resend before the delay');
  await h.tick(2_000);
  await h.deliver();
  h.converged(t);
});

test('at most `window` batches are in flight; the rest wait and go as one', async (t) => {
  const h = harness();
  await h.session.hello('s', 0);
  for (let i = 0; i < 10; i++) h.change(`k${i}`, String(i));
  t.is(h.inbox.length, 3);
  await h.deliver();
  h.converged(t);
});

test('a reconnect resumes from the acknowledged revision', async (t) => {
  const h = harness();
  await h.session.hello('s', 0);
  h.change('a', '1');
  await h.deliver();
  h.session.online(false);
  h.change('b', '2');
  h.change('a', '9');
  t.is(h.inbox.length, 0, 'nothing is sent to an offline node');
  await h.session.hello('s', h.agent.rev);
  t.false(h.inbox[0]!.full);
  t.is(h.inbox[0]!.changes.length, 2);
  await h.deliver();
  h.converged(t);
});

test('split keeps parts under the size and keeps every change', (t) => {
  const changes = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, rev: i, object: { pad: 'x'.repeat(40) } }));
  const parts = split(changes, 200);
  t.true(parts.length > 3);
  t.deepEqual(parts.flat(), changes);
});
