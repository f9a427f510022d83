// Runs the node-local DNS inside whatever network namespace it is started in (the netns
// test starts it with nsenter), with a fake upstream on 127.0.0.1 there that answers A
// queries for names under .test with 192.0.2.53 and NXDOMAIN for everything else. argv[2]: JSON { listen, services, endpoints }. Prints one JSON line
// when ready and serves until killed.
import dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { componentLogger } from '../../common/index.ts';
import { buildZone, startNodeDns, type ListenAddress } from './index.ts';
import type { Endpoints, Service } from '../services/index.ts';

const input = JSON.parse(process.argv[2]!) as { listen: ListenAddress[]; services: Service[]; endpoints: Endpoints[] };
const upstream = dgram.createSocket('udp4');
upstream.on('message', (message, from) => {
  const query = dnsPacket.decode(message);
  const question = query.questions![0]!;
  const known = question.name.toLowerCase().replace(/\.$/, '').endsWith('.test');
  const answers = known && question.type === 'A' ? [{ type: 'A' as const, name: question.name, ttl: 60, data: '192.0.2.53' }] : [];
  const flags = dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3); // rcode 3: NXDOMAIN
  upstream.send(dnsPacket.encode({ type: 'response', id: query.id, flags, questions: query.questions, answers }), from.port, from.address);
});
upstream.bind(0, '127.0.0.1', async () => {
  const zone = buildZone({ services: input.services, endpoints: input.endpoints });
  const server = await startNodeDns({ listen: input.listen, upstreams: [`127.0.0.1:${upstream.address().port}`], zone: () => zone, logger: componentLogger('dns').child({}, { level: 'silent' }) });
  process.stdout.write(`${JSON.stringify({ addresses: server.addresses })}\n`);
});
