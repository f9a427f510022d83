import test from 'ava';
import type { KubeObject } from '../api/index.ts';
import { nodeAllocatable, podRequests } from './resources.ts';

const withContainers = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });
const requests = (cpu?: string, memory?: string) => ({ resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } });

test('requests add up over containers, plus the overhead', (t) => {
  const pod = withContainers({
    containers: [{ name: 'a', ...requests('250m', '64Mi') }, { name: 'b', ...requests('250m', '64Mi') }],
    overhead: { cpu: '10m', memory: '1Mi' },
  });
  t.deepEqual(podRequests(pod), { cpu: 510, memory: 129 * 1024 ** 2 });
});

test('the largest init container counts when it asks for more than the containers', (t) => {
  const pod = withContainers({
    containers: [{ name: 'a', ...requests('100m', '1Gi') }],
    initContainers: [{ name: 'i1', ...requests('2', '64Mi') }, { name: 'i2', ...requests('500m') }],
  });
  t.deepEqual(podRequests(pod), { cpu: 2000, memory: 1024 ** 3 });
});

test('sidecar init containers run alongside: they add to the containers and to later init containers', (t) => {
  const pod = withContainers({
    containers: [{ name: 'a', ...requests('100m') }],
    initContainers: [{ name: 'side', restartPolicy: 'Always', ...requests('200m') }, { name: 'setup', ...requests('1') }],
  });
  // containers 100m + sidecar 200m = 300m; during setup: 1000m + sidecar 200m = 1200m.
  t.is(podRequests(pod).cpu, 1200);
});

test('a limit without a request stands for the request', (t) => {
  const pod = withContainers({ containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } } }] });
  t.deepEqual(podRequests(pod), { cpu: 500, memory: 1024 ** 3 });
});

test('for scoring, containers without requests count as 100m and 200Mi', (t) => {
  const pod = withContainers({ containers: [{ name: 'a' }, { name: 'b', ...requests('1') }] });
  t.deepEqual(podRequests(pod), { cpu: 1000 });
  t.deepEqual(podRequests(pod, true), { cpu: 1100, memory: 400 * 1024 ** 2 });
});

test('a node offers its allocatable, or its capacity before one is reported', (t) => {
  const node = (status: unknown): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status });
  t.deepEqual(nodeAllocatable(node({ allocatable: { cpu: '2', memory: '4Gi', pods: '110' }, capacity: { cpu: '4' } })), { cpu: 2000, memory: 4 * 1024 ** 3, pods: 110 });
  t.deepEqual(nodeAllocatable(node({ capacity: { cpu: '4', pods: 10 } })), { cpu: 4000, pods: 10 });
  t.deepEqual(nodeAllocatable(node(undefined)), {});
});
