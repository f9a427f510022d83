import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { isVolumeError, openVolumeStore, volumeErrorCatalogue } from './index.ts';
import { checkName, fileStem } from './names.ts';

const MIB = 1024 * 1024;

test('names are DNS-1123 subdomains; anything else is refused naming the field and the reason', (t) => {
  for (const good of ['pvc-0f3c2a1e-9b7d-4c1e-8f00-123456789abc', 'a', 'data.db-0', 'x'.repeat(253)]) t.is(checkName(good), good);
  const bad: unknown[] = ['', '../etc', 'a/b', '.', '..', '-a', 'a-', 'A', 'a_b', 'a..b', 'a b', 'x'.repeat(254), 7, undefined];
  for (const name of bad) {
    const error = t.throws(() => checkName(name));
    t.true(isVolumeError(error, 'VOLUME_NAME_INVALID'), String(name));
    t.regex(error!.message, /^Volume name is not valid: name .*: must/);
  }
});

test('long names get a short file stem that stays unique', (t) => {
  const long = 'a'.repeat(253);
  t.is(fileStem('pvc-1'), 'pvc-1');
  t.true(fileStem(long).length <= 200);
  t.not(fileStem(long), fileStem(`${'a'.repeat(252)}b`));
});

test('the store refuses bad names and capacities before touching the disk', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-volumes-names-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = openVolumeStore({ root, logger: pino({ level: 'silent' }) });
  t.true(isVolumeError(await t.throwsAsync(store.provision('../../etc', MIB)), 'VOLUME_NAME_INVALID'));
  t.true(isVolumeError(await t.throwsAsync(store.mount('Bad_Name')), 'VOLUME_NAME_INVALID'));
  t.true(isVolumeError(await t.throwsAsync(store.remove('a/b')), 'VOLUME_NAME_INVALID'));
  for (const capacity of [0, -1, 1.5, MIB - 1, Number.NaN, '16Mi' as unknown as number]) {
    const error = await t.throwsAsync(store.provision('pvc-1', capacity));
    t.true(isVolumeError(error, 'VOLUME_CAPACITY_INVALID'), String(capacity));
    t.regex(error!.message, /pvc-1: capacityBytes/);
  }
  const missing = await t.throwsAsync(store.mount('pvc-unknown'));
  t.true(isVolumeError(missing, 'VOLUME_NOT_FOUND'));
  t.deepEqual(fs.readdirSync(path.join(root, 'images')), []);
  t.deepEqual(fs.readdirSync(path.join(root, 'records')), []);
});

test('a torn record is reported, not taken for no volume', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skerry-volumes-record-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  const store = openVolumeStore({ root, logger: pino({ level: 'silent' }) });
  fs.writeFileSync(path.join(root, 'records', 'pvc-torn.json'), '{"version":1,"na');
  const error = await t.throwsAsync(store.provision('pvc-torn', MIB));
  t.true(isVolumeError(error, 'VOLUME_RECORD_INVALID'), String(error));
  t.regex(error!.message, /volume pvc-torn: .*pvc-torn\.json is not JSON/);
  t.deepEqual(store.list(), []);
  t.deepEqual(fs.readdirSync(path.join(root, 'images')), []);
});

test('error codes are stable names with sentence-case messages', (t) => {
  for (const [code, message] of Object.entries(volumeErrorCatalogue)) {
    t.regex(code, /^VOLUME_[A-Z_]+$/);
    t.regex(message, /^[A-Z][^.]*[^.\s]$/);
  }
  t.is(new Set(Object.values(volumeErrorCatalogue)).size, Object.keys(volumeErrorCatalogue).length);
});
