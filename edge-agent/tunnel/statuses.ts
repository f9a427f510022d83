// The Kubernetes Status objects a node answers a stream with, in the kubelet's words, so
// kubectl prints what it prints against any cluster (and exits with an exec's exit code).

export type Status = Record<string, unknown>;

function failure(code: number, reason: string, message: string, details?: Status): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details && { details }) };
}

/** The end of an exec: Success, or NonZeroExitCode with the code as an ExitCode cause (remotecommand's protocol). */
export function exitStatus(command: string[], exitCode: number): Status {
  if (exitCode === 0) return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export function previousNotFound(container: string, pod: string): Status {
  return failure(400, 'BadRequest', `previous terminated container "${container}" in pod "${pod}" not found`);
}

export function waitingToStart(container: string, pod: string): Status {
  return failure(400, 'BadRequest', `container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`);
}

export function notRunning(container: string, pod: string): Status {
  return failure(400, 'BadRequest', `container "${container}" in pod "${pod}" is not running`);
}

export function execFailed(reason: string): Status {
  return failure(500, 'InternalError', `Internal error occurred: error executing command in container: ${reason}`);
}

export function internal(reason: string): Status {
  return failure(500, 'InternalError', `Internal error occurred: ${reason}`);
}
