import test from 'ava';
import { needsArenaLimit } from './process-memory.ts';

test('the server and agent verbs exec themselves for MALLOC_ARENA_MAX; other verbs and help do not', (t) => {
  t.true(needsArenaLimit(['server', '--data-dir', '/x'], {}));
  t.true(needsArenaLimit(['agent', '--server', 'https://s'], {}));
  t.false(needsArenaLimit(['get', 'pods'], {}));
  t.false(needsArenaLimit(['version'], {}));
  t.false(needsArenaLimit([], {}));
  t.false(needsArenaLimit(['server', '--help'], {}));
  t.false(needsArenaLimit(['agent', '-h'], {}));
});

test("an operator's MALLOC_ARENA_MAX wins, and once set there is no second exec", (t) => {
  t.false(needsArenaLimit(['server'], { MALLOC_ARENA_MAX: '8' }));
  t.false(needsArenaLimit(['server'], { MALLOC_ARENA_MAX: '2' }));
  t.true(needsArenaLimit(['server'], { MALLOC_ARENA_MAX: '' }));
});
