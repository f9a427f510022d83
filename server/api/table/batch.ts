// batch/v1 Job: NAME STATUS COMPLETIONS DURATION AGE; wide CONTAINERS IMAGES SELECTOR (STATUS since 1.30).
import type { KubeObject } from '../objects/types.ts';
import { ageColumn, column, containersColumn, imagesColumn, nameColumn, wide } from './columns.ts';
import { batchDocs as docs } from './descriptions.ts';
import { humanDuration, parseTime, since } from './duration.ts';
import { int, isDeleting, obj, objs, optInt, str, type JsonObject } from './fields.ts';
import { containerCells, formatLabelSelector } from './format.ts';
import type { Printer } from './printer.ts';

export const jobPrinter: Printer = {
  columns: [
    nameColumn,
    column('Status', 'string', docs.status),
    column('Completions', 'string', docs.completions),
    column('Duration', 'string', docs.duration),
    ageColumn,
    containersColumn,
    imagesColumn,
    wide('Selector', 'string', docs.selector),
  ],
  cells(job, { now }) {
    const spec = obj(job.spec);
    return [
      str(job.metadata.name),
      jobStatus(job),
      completions(job),
      jobDuration(obj(job.status), now),
      since(job.metadata.creationTimestamp, now),
      ...containerCells(obj(spec.template).spec),
      formatLabelSelector(spec.selector),
    ];
  },
};

/** "3/5"; a work-queue job (no completions) reads "0/1", or "0/1 of 4" when it runs pods in parallel. */
function completions(job: KubeObject): string {
  const spec = obj(job.spec);
  const succeeded = int(obj(job.status).succeeded);
  const wanted = optInt(spec.completions);
  if (wanted !== undefined) return `${succeeded}/${wanted}`;
  const parallelism = int(spec.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** Running time so far, or start to completion once done; blank before the job starts. */
function jobDuration(status: JsonObject, now: Date): string {
  const start = parseTime(status.startTime);
  if (start === undefined) return '';
  const end = parseTime(status.completionTime) ?? now.getTime();
  return humanDuration(end - start);
}

/** Terminal conditions first, then deletion, then the conditions a live job can have. */
function jobStatus(job: KubeObject): string {
  const conditions = objs(obj(job.status).conditions);
  if (conditionIsTrue(conditions, 'Complete')) return 'Complete';
  if (conditionIsTrue(conditions, 'Failed')) return 'Failed';
  if (isDeleting(job.metadata)) return 'Terminating';
  if (conditionIsTrue(conditions, 'Suspended')) return 'Suspended';
  if (conditionIsTrue(conditions, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** The first condition of a type decides, as in the printer's hasJobCondition. */
function conditionIsTrue(conditions: JsonObject[], type: string): boolean {
  const condition = conditions.find((c) => str(c.type) === type);
  return condition !== undefined && str(condition.status) === 'True';
}
