import { forbidden, invalid, key, NEGATIVE, required, typeInvalid, type Causes } from './errors.ts';
import { asObj, jsonType, type Fields } from './json.ts';
import { qualifiedNameErrors } from './names.ts';
import { compareQuantity, isInteger, QUANTITY_FORMAT_ERROR, quantityFromJson, quantityString, type Quantity } from './quantity.ts';

/** Compute resource names and quantities in `resources.limits` / `resources.requests`. */

const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu',
  'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets',
  'persistentvolumeclaims', 'configmaps', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);
const CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

const isHugePages = (name: string) => name.startsWith('hugepages-');
const isNative = (name: string) => !name.includes('/') || name.includes('kubernetes.io/');

function isExtended(name: string): boolean {
  if (isNative(name) || name.startsWith('requests.')) return false;
  return qualifiedNameErrors(`requests.${name}`).length === 0;
}

/** GPUs, hugepages and other extended resources cannot be promised beyond what is reserved. */
export const isOvercommitAllowed = (name: string) => isNative(name) && !isHugePages(name);

function validateContainerResourceName(errs: Causes, name: string, at: string): void {
  const msgs = qualifiedNameErrors(name);
  for (const msg of msgs) errs.push(invalid(at, name, msg));
  if (msgs.length) return;
  if (!name.includes('/')) {
    if (!STANDARD_RESOURCES.has(name) && !isHugePages(name) && !name.startsWith('requests.hugepages-')) {
      errs.push(invalid(at, name, 'must be a standard resource type or fully qualified'));
    }
    if (!CONTAINER_RESOURCES.has(name) && !isHugePages(name)) errs.push(invalid(at, name, 'must be a standard resource for containers'));
  } else if (!isNative(name) && !isExtended(name)) {
    errs.push(invalid(at, name, "doesn't follow extended resource name standard"));
  }
}

/** A quantity read from JSON; unparsable text is reported the way the decoder words it. */
export function readQuantity(errs: Causes, value: unknown, at: string): Quantity | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number') {
    errs.push(typeInvalid(at, jsonType(value), 'string'));
    return undefined;
  }
  const q = quantityFromJson(value);
  if (!q) errs.push(invalid(at, typeof value === 'number' ? String(value) : value, QUANTITY_FORMAT_ERROR));
  return q;
}

/** Every quantity in a ResourceList map, keyed by resource name. */
export function readResourceList(errs: Causes, value: unknown, at: string): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  const o = asObj(errs, value, at);
  for (const [name, raw] of Object.entries(o ?? {})) {
    const q = readQuantity(errs, raw, key(at, name));
    if (q) out.set(name, q);
  }
  return out;
}

export function validateQuantityValue(errs: Causes, name: string, q: Quantity, at: string): void {
  if (q.nanos < 0n) errs.push(invalid(at, quantityString(q), NEGATIVE));
  if (isExtended(name) && !isInteger(q)) errs.push(invalid(at, quantityString(q), 'must be an integer'));
}

export function validateResourceRequirements(errs: Causes, r: Fields): void {
  const limPath = r.path('limits');
  const reqPath = r.path('requests');
  const limits = readResourceList(errs, r.raw('limits'), limPath);
  const requests = readResourceList(errs, r.raw('requests'), reqPath);
  let cpuOrMemory = false;
  let hugePages = false;
  for (const [name, q] of limits) {
    validateContainerResourceName(errs, name, key(limPath, name));
    validateQuantityValue(errs, name, q, key(limPath, name));
    cpuOrMemory ||= name === 'cpu' || name === 'memory';
    hugePages ||= isHugePages(name);
  }
  for (const [name, q] of requests) {
    validateContainerResourceName(errs, name, key(reqPath, name));
    validateQuantityValue(errs, name, q, key(reqPath, name));
    cpuOrMemory ||= name === 'cpu' || name === 'memory';
    hugePages ||= isHugePages(name);
    const limit = limits.get(name);
    if (limit) {
      const shown = quantityString(limit);
      if (!isOvercommitAllowed(name) && compareQuantity(q, limit) !== 0) {
        errs.push(invalid(reqPath, quantityString(q), `must be equal to ${name} limit of ${shown}`));
      } else if (compareQuantity(q, limit) > 0) {
        errs.push(invalid(reqPath, quantityString(q), `must be less than or equal to ${name} limit of ${shown}`));
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
  }
  if (hugePages && !cpuOrMemory) errs.push(forbidden(r.at, 'HugePages require cpu or memory'));
}
