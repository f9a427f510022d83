import test from 'ava';
import type { VolumeReport } from '../../common/sync/index.ts';
import { catalog } from '../controllers/controller-fixtures.test-helper.ts';
import { createClaim, Volume, volumeWorld } from '../controllers/volume-fixtures.test-helper.ts';
import { reportWriter } from './reports.ts';

const report = (volume: string): VolumeReport => ({ kind: 'volume', key: `volume/${volume}`, volume, state: 'Ready', capacityBytes: 1024 ** 3, usedBytes: 0, message: '' });

test('a volume report is written for the PV’s own node and dropped, not thrown, for any other', async (t) => {
  const { objects, pass } = await volumeWorld(t);
  const claim = await createClaim(objects, 'data', { node: 'node-a' });
  await pass();
  const pvName = `pvc-${claim.metadata.uid}`;
  const write = reportWriter(objects, catalog);
  await t.notThrowsAsync(write('node-b', report(pvName)));
  await t.notThrowsAsync(write('node-a', report('pvc-unknown')));
  t.is((await objects.get(Volume, undefined, pvName)).metadata.annotations?.['volume.skerry.io/state'], undefined);
  await write('node-a', report(pvName));
  t.is((await objects.get(Volume, undefined, pvName)).metadata.annotations?.['volume.skerry.io/state'], 'Ready');
});
