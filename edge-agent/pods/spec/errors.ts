// Why a container cannot be made, in the kubelet's words: the reason becomes the
// container's waiting reason and the message its waiting message and a "Failed" event.

export type WaitingReason =
  | 'ContainerCreating'
  | 'PodInitializing'
  | 'ErrImagePull'
  | 'ImagePullBackOff'
  | 'ErrImageNeverPull'
  | 'InvalidImageName'
  | 'CrashLoopBackOff'
  | 'CreateContainerConfigError'
  | 'CreateContainerError';

export class PodError extends Error {
  constructor(readonly reason: WaitingReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PodError';
  }
}

/** A volume that cannot be set up: the pod waits (ContainerCreating) with a FailedMount event. */
export class MountError extends Error {
  constructor(readonly volume: string, message: string) {
    super(`MountVolume.SetUp failed for volume "${volume}" : ${message}`);
    this.name = 'MountError';
  }
}
