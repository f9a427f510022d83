// The image's /etc/passwd and /etc/group from a prepared rootfs, read as the runtime reads
// them for HOME: never through a symlink that could point at the host's files.
import { readImageEtcFile } from '../../../native/index.ts';
import type { ImageAccounts } from './user.ts';

export function readImageAccounts(rootfs: string): ImageAccounts {
  const passwd = readImageEtcFile(rootfs, 'passwd');
  const group = readImageEtcFile(rootfs, 'group');
  return { ...(passwd !== undefined && { passwd }), ...(group !== undefined && { group }) };
}
