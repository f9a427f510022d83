import test from 'ava';
import type { KubeObject } from './types.ts';
import { createServiceAllocator } from './service-allocation.ts';

const service = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec });

test('cluster IPs come from the service CIDR, never twice, also for writes still in flight', async (t) => {
  const allocator = createServiceAllocator(async () => [service({ clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'] })]);
  const seen = new Set<string>();
  for (let i = 0; i < 300; i++) {
    const s = service({ type: 'ClusterIP', ports: [{ port: 80 }] });
    const settle = await allocator.allocate(s, undefined);
    t.is(typeof settle, 'function');
    const ip = (s.spec as { clusterIP: string }).clusterIP;
    t.regex(ip, /^10\.43\.\d+\.\d+$/);
    t.false(seen.has(ip), ip);
    t.not(ip, '10.43.0.10');
    seen.add(ip);
    if (i % 2 === 0) (settle as (landed: boolean) => void)(true);
  }
});

test('a requested cluster IP outside the range or taken is refused with the field', async (t) => {
  const allocator = createServiceAllocator(async () => [service({ clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'] })]);
  const outside = await allocator.allocate(service({ clusterIP: '192.168.1.1', clusterIPs: ['192.168.1.1'] }), undefined);
  t.like((outside as Array<{ field: string; message: string }>)[0], { field: 'spec.clusterIPs' });
  const taken = await allocator.allocate(service({ clusterIP: '10.43.0.10', clusterIPs: ['10.43.0.10'] }), undefined);
  t.regex((taken as Array<{ message: string }>)[0]!.message, /already allocated/);
});

test('NodePort Services get node ports in range; headless and ExternalName get no IP', async (t) => {
  const allocator = createServiceAllocator(async () => []);
  const nodePort = service({ type: 'NodePort', ports: [{ port: 80 }, { port: 81, nodePort: 30080 }] });
  await allocator.allocate(nodePort, undefined);
  const ports = (nodePort.spec as { ports: Array<{ nodePort: number }> }).ports;
  t.true(ports[0]!.nodePort >= 30000 && ports[0]!.nodePort <= 32767);
  t.is(ports[1]!.nodePort, 30080);
  const clash = await allocator.allocate(service({ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }), undefined);
  t.true(Array.isArray(clash));
  const headless = service({ clusterIP: 'None', ports: [] });
  await allocator.allocate(headless, undefined);
  t.is((headless.spec as { clusterIP: string }).clusterIP, 'None');
  const external = service({ type: 'ExternalName', externalName: 'example.org' });
  await allocator.allocate(external, undefined);
  t.is((external.spec as { clusterIP?: string }).clusterIP, undefined);
});
