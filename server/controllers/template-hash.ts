import crypto from 'node:crypto';

// Kubernetes encodes the hash with this alphabet too, so names never spell words.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with sorted keys: the same template always hashes the same, whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The `pod-template-hash` of a Deployment's template (plus its collisionCount), as a short safe string. */
export function templateHash(template: unknown, collisionCount = 0): string {
  const digest = crypto.createHash('sha256').update(canonical(template)).update(`#${collisionCount}`).digest();
  let n = digest.readUInt32BE(0);
  let out = '';
  do {
    out += ALPHABET[n % ALPHABET.length];
    n = Math.floor(n / ALPHABET.length);
  } while (n > 0);
  return out;
}

/** Whether two pod templates are equal once their pod-template-hash labels are set aside. */
export function sameTemplate(a: unknown, b: unknown): boolean {
  return canonical(withoutHash(a)) === canonical(withoutHash(b));
}

function withoutHash(template: unknown): unknown {
  const t = structuredClone((template ?? {}) as { metadata?: { labels?: Record<string, string> } });
  if (t.metadata?.labels) {
    delete t.metadata.labels['pod-template-hash'];
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
  }
  return t;
}
