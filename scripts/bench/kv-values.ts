// Values and keys of the store benchmark: Kubernetes-like objects of exactly 1 KiB of JSON.
import { randomUUID } from 'node:crypto';
import path from 'node:path';

export const VALUE_BYTES = 1024;

// ---------------------------------------------------------------------------------------
// Values: Kubernetes-like objects serialized to exactly 1 KiB of JSON.

/** A Pod-shaped object, padded by one annotation so that its JSON is exactly `bytes` long. */
export function sampleValue(i: number, bytes = VALUE_BYTES): Buffer {
  const object = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${i.toString(36)}-7f9c6d`,
      namespace: 'default',
      uid: randomUUID(),
      creationTimestamp: new Date(1_700_000_000_000 + i * 1000).toISOString(),
      labels: { app: 'web', tier: 'frontend', 'pod-template-hash': '7f9c6d' },
      annotations: { 'skerry.io/bench-padding': '' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7f9c6d', controller: true }],
    },
    spec: {
      nodeName: `edge-${i % 8}`,
      restartPolicy: 'Always',
      containers: [
        {
          name: 'web',
          image: 'registry.local/web:1.4.2',
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          env: [{ name: 'MODE', value: 'edge' }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        },
      ],
    },
    status: {
      phase: 'Running',
      podIP: `10.42.${i % 256}.${(i >> 8) % 256}`,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(1_700_000_000_000).toISOString() }],
    },
  };
  const bare = Buffer.byteLength(JSON.stringify(object));
  if (bare > bytes) throw new Error(`sample object is ${bare} bytes, more than ${bytes}`);
  object.metadata.annotations['skerry.io/bench-padding'] = 'x'.repeat(bytes - bare);
  return Buffer.from(JSON.stringify(object));
}

/** Distinct values, built before timing so that the timed loops only write. */
export const VALUES = Array.from({ length: 64 }, (_, i) => sampleValue(i));
export const valueFor = (i: number): Buffer => VALUES[i % VALUES.length]!;

let fileCounter = 0;
export function freshFile(dir: string, name: string): string {
  return path.join(dir, `${String(++fileCounter).padStart(2, '0')}-${name}.db`);
}

/** The key written by writer `w` at its iteration `j`: a new key every 4 iterations. */
export const writerKey = (w: number, j: number) => `/registry/pods/bench/w${w}-${j - (j % 4)}`;

