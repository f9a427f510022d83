import test from 'ava';
import { verbs } from './verbs.ts';

test("every verb in the table loads, and its name and summary are the verb's own", async (t) => {
  for (const entry of verbs) {
    const verb = await entry.load();
    t.is(verb.name, entry.name);
    t.is(verb.summary, entry.summary, `summary of ${entry.name}`);
    t.true(verb.usage.length > 0, `usage of ${entry.name}`);
  }
  t.is(new Set(verbs.map((v) => v.name)).size, verbs.length, 'no verb twice');
});
