import fs from 'node:fs';
import path from 'node:path';
import { projectQuotaSupport } from '../../storage/volumes/quota.ts';
import type { Probe } from './types.ts';

/**
 * check-config is not told the agent's data dir, so the probe looks at the default one; the
 * volume store is <data dir>/storage, probed at its nearest existing ancestor (the same
 * filesystem, unless a mount comes between).
 */
export const DEFAULT_DATA_DIR = '/var/lib/skerry';

function nearestExisting(dir: string): string {
  let here = dir;
  while (!fs.existsSync(here) && path.dirname(here) !== here) here = path.dirname(here);
  return here;
}

/** Project quotas let volumes be plain directories at native fsync speed (docs/adr/012-local-volumes.md). */
export function projectQuotaProbe(dataDir = DEFAULT_DATA_DIR): Probe {
  return {
    group: 'Storage',
    name: 'project quotas on the data dir',
    required: false,
    remedy: 'put the data dir on ext4 made with `-O quota,project` (or `tune2fs -O quota,project` unmounted) mounted with prjquota, or on XFS mounted with prjquota; the kernel needs CONFIG_QUOTA and CONFIG_QFMT_V2 (ext4) or CONFIG_XFS_QUOTA',
    run: () => {
      const probed = nearestExisting(path.join(dataDir, 'storage'));
      const support = projectQuotaSupport(probed);
      const storage = path.join(dataDir, 'storage');
      const where = `${probed}${probed === storage ? '' : ` (nearest existing path to ${storage})`}${dataDir === DEFAULT_DATA_DIR ? ', the default data dir: check-config is not told the agent\'s' : ''}`;
      if (support.supported) return `${where}: enforced; volumes are directories with a project quota`;
      return { degraded: `${where}: ${support.reason}; volumes use loop images; fsync-heavy workloads pay a double journal` };
    },
  };
}
