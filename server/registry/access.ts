// Who may do what: only the cluster token pushes (anything that writes: POST, PATCH, PUT,
// DELETE); any authenticated principal — the cluster or a node with its own credentials —
// pulls from any repository, because the fleet's images belong to the whole cluster.
// Per-repository rules would go here; the handlers ask through these two functions only.
import type { Principal } from '../auth/index.ts';
import { RegistryError } from './errors.ts';

const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export function mayPull(_principal: Principal, _name: string): boolean {
  return true;
}

export function mayPush(principal: Principal, _name: string): boolean {
  return principal.kind === 'cluster';
}

/** Throws DENIED when `principal` may not use `method` on repository `name`. */
export function authorize(principal: Principal, method: string, name: string | undefined): void {
  const allowed = WRITES.has(method) ? mayPush(principal, name ?? '') : mayPull(principal, name ?? '');
  if (!allowed) {
    const who = principal.kind === 'node' ? `node ${principal.node}` : principal.kind;
    throw new RegistryError('DENIED', `${who} may not ${WRITES.has(method) ? 'push to' : 'pull from'} ${name ? `repository ${name}` : 'this registry'}; pushing needs the cluster token`);
  }
}
