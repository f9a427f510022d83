import test from 'ava';
import { credentialsFrom } from './credentials.ts';

const basic = (text: string) => ({ authorization: `Basic ${Buffer.from(text).toString('base64')}` });

test('Basic gives the password (which may hold colons) and Bearer the token', (t) => {
  t.deepEqual(credentialsFrom(basic('x:K10ab::server:cd')), { scheme: 'basic', username: 'x', secret: 'K10ab::server:cd' });
  t.deepEqual(credentialsFrom(basic(':secret')), { scheme: 'basic', username: '', secret: 'secret' });
  t.deepEqual(credentialsFrom({ authorization: 'Bearer abc' }), { scheme: 'bearer', secret: 'abc' });
  t.deepEqual(credentialsFrom({ authorization: 'bearer  abc ' }), { scheme: 'bearer', secret: 'abc' });
});

test('missing, empty or unknown credentials are none', (t) => {
  for (const headers of [{}, { authorization: 'Basic' }, basic('nocolon'), basic('user:'), { authorization: 'Bearer ' }, { authorization: 'Digest x=1' }]) {
    t.is(credentialsFrom(headers), undefined, JSON.stringify(headers));
  }
});
