import test from 'ava';
import { ApiError } from '../api/index.ts';
import { brokerUrlResolver, hostOf, parseJoinRequest, tunnelUrlResolver } from './request.ts';

const PASSWORD = 'p'.repeat(64);

function failure(body: unknown): ApiError {
  try {
    parseJoinRequest(body);
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('accepted');
}

test('a good request is taken as it is', (t) => {
  t.deepEqual(parseJoinRequest({ nodeName: 'gw-1.site-a', nodePassword: PASSWORD, extra: 1 }), { nodeName: 'gw-1.site-a', nodePassword: PASSWORD });
});

test('bad fields are a 422 naming each field, never echoing the password', (t) => {
  const bad = failure({ nodeName: 'GW_1', nodePassword: 'short' });
  t.is(bad.code, 422);
  t.is(bad.reason, 'Invalid');
  t.deepEqual(bad.details?.causes?.map((c) => c.field), ['nodeName', 'nodePassword']);
  t.regex(bad.message, /^join request is invalid: nodeName: Invalid value: "GW_1": .*nodePassword: Invalid value: must be 16 to 256 characters long$/);
  t.false(bad.message.includes('short'));
  t.deepEqual(failure({ nodePassword: PASSWORD }).details?.causes, [{ reason: 'FieldValueRequired', field: 'nodeName', message: 'Required value' }]);
  t.is(failure({ nodeName: 'skerry-server', nodePassword: PASSWORD }).details?.causes?.[0]?.reason, 'FieldValueForbidden');
  t.is(failure({ nodeName: 'a/b', nodePassword: PASSWORD }).code, 422);
  t.deepEqual(failure({ nodeName: 'a'.repeat(233), nodePassword: PASSWORD }).details?.causes?.map((c) => c.reason), ['FieldValueTooLong']);
  t.is(parseJoinRequest({ nodeName: 'a'.repeat(232), nodePassword: PASSWORD }).nodeName.length, 232);
  t.is(failure({ nodeName: 'a', nodePassword: 'x'.repeat(257) }).code, 422);
  t.is(failure({ nodeName: 'a', nodePassword: 12345678901234567 }).code, 422);
  for (const notObject of [null, [], 'x', 3]) t.is(failure(notObject).code, 400);
});

test('the broker URL: --broker as given; the embedded broker at the host the agent reached the API by', (t) => {
  const req = (host?: string) => ({ headers: host === undefined ? {} : { host } });
  t.is(brokerUrlResolver({ broker: 'mqtts://mq.example:8883', mqttListen: { host: '0.0.0.0', port: 1883 } })(req('x')), 'mqtts://mq.example:8883');
  const embedded = brokerUrlResolver({ mqttListen: { host: '0.0.0.0', port: 1883 } });
  t.is(embedded(req('10.0.0.5:6443')), 'mqtts://10.0.0.5:1883');
  t.is(embedded(req('server.site')), 'mqtts://server.site:1883');
  t.is(embedded(req('[fd00::1]:6443')), 'mqtts://[fd00::1]:1883');
  t.is(embedded(req()), 'mqtts://localhost:1883');
  t.is(brokerUrlResolver({ mqttListen: { host: '10.1.1.1', port: 8883 } })(req('other:6443')), 'mqtts://10.1.1.1:8883');
  t.is(brokerUrlResolver({ mqttListen: { host: 'fd00::2', port: 8883 } })(req('other')), 'mqtts://[fd00::2]:8883');
  t.is(hostOf('[::1]'), '[::1]');
});

test('the tunnel URL: the host the agent reached the API by on a wildcard listen, else the listen host', (t) => {
  const req = (host: string) => ({ headers: { host } });
  t.is(tunnelUrlResolver({ host: '0.0.0.0', port: 6444 })(req('10.0.0.5:6443')), 'https://10.0.0.5:6444');
  t.is(tunnelUrlResolver({ host: '::', port: 6444 })(req('[fd00::1]:6443')), 'https://[fd00::1]:6444');
  t.is(tunnelUrlResolver({ host: '10.1.1.1', port: 7000 })(req('other:6443')), 'https://10.1.1.1:7000');
});
