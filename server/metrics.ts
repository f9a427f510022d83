import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** The server's Prometheus registry: process metrics plus the store's commit counters. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'skerry_' });
  const commits = new Counter({ name: 'skerry_kv_commits_total', help: 'Store commits (each one fsync)', registers: [registry] });
  const writes = new Counter({ name: 'skerry_kv_writes_total', help: 'Writes acknowledged by the store', registers: [registry] });
  let readRevision: () => Promise<number> = async () => 0;
  new Gauge({
    name: 'skerry_kv_revision',
    help: 'Current store revision',
    registers: [registry],
    async collect() {
      this.set(await readRevision());
    },
  });
  return {
    registry,
    onCommit(count: number): void {
      commits.inc();
      writes.inc(count);
    },
    trackRevision(read: () => Promise<number>): void {
      readRevision = read;
    },
  };
}
