import crypto from 'node:crypto';
import type { KubeObject, ObjectMeta } from './types.ts';

// apimachinery's name generator avoids vowels and look-alike digits so names never spell words.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_NAME = 63;

export function generateName(base: string): string {
  const stem = base.length > MAX_NAME - 5 ? base.slice(0, MAX_NAME - 5) : base;
  let suffix = '';
  for (const byte of crypto.randomBytes(5)) suffix += ALPHABET[byte % ALPHABET.length];
  return stem + suffix;
}

/** RFC 3339 to the second, as Kubernetes serialises metav1.Time. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Fields a client may not set or change: the server owns them. */
export function preserveSystemFields(next: ObjectMeta, old: ObjectMeta): ObjectMeta {
  const meta: ObjectMeta = { ...next, uid: old.uid, creationTimestamp: old.creationTimestamp, name: old.name };
  if (old.namespace !== undefined) meta.namespace = old.namespace;
  if (old.deletionTimestamp !== undefined) {
    meta.deletionTimestamp = old.deletionTimestamp;
    meta.deletionGracePeriodSeconds = old.deletionGracePeriodSeconds;
  } else {
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
  }
  if (old.generation !== undefined) meta.generation = old.generation;
  else delete meta.generation;
  return meta;
}

/** Whether anything outside metadata and status changed: Kubernetes then bumps `generation`. */
export function specChanged(next: KubeObject, old: KubeObject): boolean {
  const strip = ({ metadata: _m, status: _s, ...rest }: KubeObject) => rest;
  return !deepEqual(strip(next), strip(old));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
