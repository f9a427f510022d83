import test from 'ava';
import { checkConfig } from './run.ts';
import { formatReport } from './format.ts';
import { projectQuotaProbe } from './storage-probes.ts';
import type { Probe } from './types.ts';

const probe = (name: string, required: boolean, run: Probe['run']): Probe => ({ group: 'G', name, required, remedy: `install ${name}`, run });

test('a probe that throws is missing when required and degraded when optional, with its remedy', (t) => {
  const reports = checkConfig([
    probe('a', true, () => 'fine'),
    probe('b', true, () => { throw new Error('unshare CLONE_NEWPID: EPERM (Operation not permitted)'); }),
    probe('c', false, () => { throw new Error('nope'); }),
    probe('d', false, () => ({ degraded: 'works, slowly' })),
  ]);
  t.deepEqual(reports.map((r) => [r.name, r.status]), [['a', 'present'], ['b', 'missing'], ['c', 'degraded'], ['d', 'degraded']]);
  t.is(reports[1]!.detail, 'unshare CLONE_NEWPID: EPERM (Operation not permitted)');
  t.is(reports[1]!.remedy, 'install b');
  t.is(reports[0]!.remedy, undefined);
});

test('the text report groups features, counts them and lists remedies for what is missing', (t) => {
  const text = formatReport(checkConfig([probe('a', true, () => 'fine'), probe('b', true, () => { throw new Error('gone'); })]));
  t.is(text, 'G:\n- a: present (fine)\n- b: missing (gone)\n\n1 present, 0 degraded, 1 missing\n\nMissing:\n- b: install b\n');
});

test('the project quota probe names the data dir it looked at and what volumes fall back to', (t) => {
  const [report] = checkConfig([projectQuotaProbe('/nonexistent-skerry-data-dir')]);
  t.is(report!.name, 'project quotas on the data dir');
  t.log(report!.detail);
  if (report!.status === 'degraded') t.regex(report!.detail, /volumes use loop images; fsync-heavy workloads pay a double journal/);
  t.regex(report!.detail, /^\/ \(nearest existing path to \/nonexistent-skerry-data-dir\/storage\)/);
});
