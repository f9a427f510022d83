// What the local-volume end-to-end tests share: what they need of the machine, and API calls
// that fail loudly.
import fs from 'node:fs';
import { api, type ApiTarget } from './cluster.ts';
import { SKERRY } from './skerry.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Why the volume tests cannot run here, or undefined when they can. */
export const VOLUMES_MISSING = process.getuid?.() !== 0 ? 'needs root (containers, loop devices, mounts)'
  : !fs.existsSync(SKERRY) ? 'needs the build (npm run build)'
  : !fs.existsSync('/dev/loop-control') ? 'needs loop devices (/dev/loop-control)'
  : !fs.existsSync('/bin/busybox') ? 'needs busybox-static for the test image' : undefined;

export async function post(target: ApiTarget, collection: string, object: Obj): Promise<Obj> {
  const answer = await api(target, 'POST', collection, object);
  if (answer.status !== 201) throw new Error(`POST ${collection}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export const get = async (target: ApiTarget, path: string): Promise<Obj> => (await api(target, 'GET', path)).body as Obj;

/** The events of one object, as `Reason: message`. */
export async function eventsAbout(target: ApiTarget, name: string, namespace = 'default'): Promise<string[]> {
  const items = ((await get(target, `/api/v1/namespaces/${namespace}/events`)).items ?? []) as Obj[];
  return items.filter((e) => e.involvedObject?.name === name).map((e) => `${e.reason}: ${e.message}`);
}

export function claimManifest(name: string, size: string, spec: Obj = {}): Obj {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...spec } };
}
