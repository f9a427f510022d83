import { SkerryError } from '../../../../common/index.ts';
import { openContainer, type Container } from '../../../../native/index.ts';

export interface SubVerb {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

/** Flags every runtime verb takes. */
export const RUNTIME_FLAGS = { root: { type: 'string' } } as const;

export function containerIdFrom(positionals: string[]): string {
  if (positionals.length !== 1) throw new SkerryError('USAGE', `expected one container ID, got ${positionals.length}`);
  return positionals[0]!;
}

export function mustOpen(id: string, root: string | undefined): Container {
  const container = openContainer(id, root);
  if (!container) throw new SkerryError('CONTAINER_NOT_FOUND', `${id}${root ? ` in ${root}` : ''}`, { id });
  return container;
}

/** The OCI runtime state of a container, as `crun state` prints it. */
export function ociState(container: Container) {
  const { record } = container;
  const running = container.running();
  return {
    ociVersion: '1.0.2',
    id: record.id,
    status: running ? 'running' : 'stopped',
    pid: running ? record.pid : 0,
    bundle: record.bundle,
    created: record.created,
    annotations: record.annotations,
  };
}
