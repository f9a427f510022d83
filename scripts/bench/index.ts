/**
 * The benchmark runner behind `npm run bench`. Each bench is a module in BENCHES; the runner
 * gives it a fresh temp directory, prints its table and writes docs/bench/<name>.{json,md}.
 *
 *   npm run bench                 all benches
 *   npm run bench -- kv           only the named ones
 *   npm run bench -- --quick      short runs to try the harness (results are not written)
 *   npm run bench -- --dir D      put the data files under D (default: the OS temp dir)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { apiBench } from './api.ts';
import { imagesPullBench } from './images-pull.ts';
import { kvBench } from './kv.ts';
import { networkBench } from './network.ts';
import { podsBench } from './pods.ts';
import { runtimeBench } from './runtime.ts';
import { syncBench } from './sync.ts';
import { unpackBench } from './unpack.ts';
import { volumesBench } from './volumes.ts';
import { buildReport, environment, statusOf, systemLoad, textTable, writeReport, type Bench } from './report.ts';

const BENCHES: Bench[] = [kvBench, apiBench, syncBench, runtimeBench, imagesPullBench, unpackBench, networkBench, podsBench, volumesBench];

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      dir: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const unknown = positionals.filter((name) => !BENCHES.some((b) => b.name === name));
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const selected = positionals.length > 0 ? BENCHES.filter((b) => positionals.includes(b.name)) : BENCHES;
  const quick = values.quick ?? false;
  const write = !quick && !values['no-write'];
  const root = values.dir ?? os.tmpdir();
  const command = ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');

  let misses = 0;
  for (const bench of selected) {
    fs.mkdirSync(root, { recursive: true });
    const dir = fs.mkdtempSync(path.join(root, `skerry-bench-${bench.name}-`));
    const env: Record<string, string | number> = { ...environment(dir), loadBefore: systemLoad() };
    const started = new Date();
    const t0 = performance.now();
    console.error(`[bench ${bench.name}] ${bench.title}; data in ${dir}`);
    try {
      const result = await bench.run({ dir, quick, progress: (m) => console.error(`[bench ${bench.name} +${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}`) });
      env.loadAfter = systemLoad();
      const report = buildReport(bench, result, env, command, started);
      console.log(`\n${bench.title}  (${env.cpuModel} × ${env.cpus}, ${env.kernel}, Node ${env.node})`);
      console.log(`before: ${env.loadBefore}\nafter:  ${env.loadAfter}\n`);
      console.log(textTable(result.rows));
      console.log('');
      misses += result.rows.filter((r) => statusOf(r) === 'MISS').length;
      if (write) {
        for (const file of writeReport(report)) console.log(`wrote ${path.relative(process.cwd(), file)}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  // A missed target is a finding, not a failure of the run; the table says which.
  if (misses > 0) console.log(`${misses} target(s) missed`);
  return 0;
}

process.exitCode = await main();
