// The public face of edge-agent/volumes: the node's local persistent volumes (DESIGN §8,
// docs/adr/012-local-volumes.md). The disk side is storage/volumes; this side reads claims
// and PersistentVolumes from the view and reports each volume's state through the outbox.
export { startVolumeManager, type VolumeManager, type VolumeManagerOptions } from './manager.ts';
