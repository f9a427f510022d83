import test from 'ava';
import { isSkerryError } from '../errors.ts';
import { formatReference, parseReference } from './reference.ts';

test('references are normalised as Docker does', (t) => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1', 'docker.io/library/busybox:1'],
    ['user/app:v2', 'docker.io/user/app:v2'],
    ['index.docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/team/app:1.0', 'localhost:5000/team/app:1.0'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest'],
    [`app@sha256:${'a'.repeat(64)}`, `docker.io/library/app@sha256:${'a'.repeat(64)}`],
    [`registry.example/app:1@sha256:${'b'.repeat(64)}`, `registry.example/app:1@sha256:${'b'.repeat(64)}`],
  ];
  for (const [input, want] of cases) t.is(formatReference(parseReference(input)), want, input);
});

test('bad references name the part that is wrong', (t) => {
  const cases: [string, RegExp][] = [
    ['', /must not be empty/],
    ['Busybox', /repository part "Busybox"/],
    ['app:-x', /tag "-x"/],
    ['app@sha256:xyz', /digest "sha256:xyz"/],
    ['host:port/app', /registry port "port"/],
    ['a//b', /repository part ""/],
  ];
  for (const [input, message] of cases) {
    const error = t.throws(() => parseReference(input));
    t.true(isSkerryError(error, 'REFERENCE_INVALID'), input);
    t.regex(error.message, message, input);
  }
});
