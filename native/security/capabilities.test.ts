import fs from 'node:fs';
import test from 'ava';
import { isSkerryError } from '../../common/index.ts';
import { CAPABILITIES, DEFAULT_CAPABILITIES, capabilityMask, capabilityNames } from './index.ts';

test('the table numbers every capability from CAP_CHOWN=0 to CAP_CHECKPOINT_RESTORE=40 once', (t) => {
  const numbers = Object.values(CAPABILITIES).sort((a, b) => a - b);
  t.deepEqual(numbers, Array.from({ length: 41 }, (_, i) => i));
  t.is(CAPABILITIES.CAP_CHOWN, 0);
  t.is(CAPABILITIES.CAP_SYS_ADMIN, 21);
  t.is(CAPABILITIES.CAP_CHECKPOINT_RESTORE, 40);
});

test('the table agrees with linux/capability.h where the headers are installed', (t) => {
  const header = '/usr/include/linux/capability.h';
  if (!fs.existsSync(header)) return t.pass('no kernel headers here');
  const defined = [...fs.readFileSync(header, 'utf8').matchAll(/^#define\s+(CAP_[A-Z_]+)\s+(\d+)\s*$/gm)];
  const names = defined.map((m) => m[1]!).filter((n) => n !== 'CAP_LAST_CAP');
  t.true(names.length >= 40);
  for (const m of defined) if (m[1] !== 'CAP_LAST_CAP') t.is(CAPABILITIES[m[1]!], Number(m[2]), m[1]);
});

test("Docker's 14 default capabilities make the mask 0xa80425fb", (t) => {
  t.is(DEFAULT_CAPABILITIES.length, 14);
  t.is(capabilityMask(DEFAULT_CAPABILITIES, 'process.capabilities.bounding'), 0xa80425fbn);
  t.deepEqual(capabilityNames(0xa80425fbn).sort(), [...DEFAULT_CAPABILITIES].sort());
});

test('capabilities above bit 31 reach the high word of the mask', (t) => {
  t.is(capabilityMask(['CAP_MAC_OVERRIDE', 'CAP_CHECKPOINT_RESTORE'], 'f'), (1n << 32n) | (1n << 40n));
  t.is(capabilityMask([], 'f'), 0n);
});

test('an unknown capability is refused with the field and the name', (t) => {
  const error = t.throws(() => capabilityMask(['CAP_CHOWN', 'CAP_TELEPORT'], 'process.capabilities.effective'));
  t.true(isSkerryError(error, 'CONFIG_INVALID'));
  t.regex(error!.message, /process\.capabilities\.effective\[1\] names an unknown capability "CAP_TELEPORT"/);
  t.throws(() => capabilityMask(['toString'], 'f'), { message: /unknown capability "toString"/ });
  t.throws(() => capabilityMask(['chown'], 'f'), { message: /unknown capability "chown"/ });
});
