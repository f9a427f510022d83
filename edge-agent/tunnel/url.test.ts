import test from 'ava';
import { tunnelUrlOf } from './index.ts';

const credential = { username: 'n', password: 'p' };

test('the tunnel the join named, else the default port at the API’s host (identities kept from before the tunnel)', (t) => {
  t.is(tunnelUrlOf({ credential, caPem: '', apiUrl: 'https://10.0.0.5:6443', tunnel: { url: 'https://10.0.0.5:7000' } }), 'https://10.0.0.5:7000');
  t.is(tunnelUrlOf({ credential, caPem: '', apiUrl: 'https://server.site:6443' }), 'https://server.site:6444');
  t.is(tunnelUrlOf({ credential, caPem: '', apiUrl: 'https://[fd00::1]:6443' }), 'https://[fd00::1]:6444');
});
