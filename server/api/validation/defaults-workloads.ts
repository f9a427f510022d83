import { defaultPodTemplate } from './defaults-pod.ts';
import { blank, ensureObj, objAt, objectsAt, setDefault, unset } from './defaults-util.ts';
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL } from './jobs.ts';
import type { Obj } from './json.ts';

/** Defaults for apps/v1 and batch/v1 workloads. */

export function defaultDeployment(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  const strategy = ensureObj(spec, 'strategy');
  if (strategy) {
    setDefault(strategy, 'type', 'RollingUpdate', blank);
    const rolling = strategy.type === 'RollingUpdate' ? ensureObj(strategy, 'rollingUpdate') : undefined;
    if (rolling) {
      setDefault(rolling, 'maxUnavailable', '25%');
      setDefault(rolling, 'maxSurge', '25%');
    }
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(objAt(spec, 'template'));
}

export function defaultReplicaSet(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(objAt(spec, 'template'));
}

export function defaultDaemonSet(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  if (!spec) return;
  const strategy = ensureObj(spec, 'updateStrategy');
  if (strategy) {
    setDefault(strategy, 'type', 'RollingUpdate', blank);
    const rolling = strategy.type === 'RollingUpdate' ? ensureObj(strategy, 'rollingUpdate') : undefined;
    if (rolling) {
      setDefault(rolling, 'maxUnavailable', 1);
      setDefault(rolling, 'maxSurge', 0);
    }
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(objAt(spec, 'template'));
}

function defaultClaimTemplate(t: Obj): void {
  const spec = ensureObj(t, 'spec');
  if (spec) setDefault(spec, 'volumeMode', 'Filesystem');
  const status = ensureObj(t, 'status');
  if (status) setDefault(status, 'phase', 'Pending', blank);
}

export function defaultStatefulSet(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  if (!spec) return;
  setDefault(spec, 'podManagementPolicy', 'OrderedReady', blank);
  const strategy = ensureObj(spec, 'updateStrategy');
  if (strategy) {
    if (blank(strategy.type)) {
      strategy.type = 'RollingUpdate';
      ensureObj(strategy, 'rollingUpdate');
    }
    const rolling = strategy.type === 'RollingUpdate' ? objAt(strategy, 'rollingUpdate') : undefined;
    if (rolling) setDefault(rolling, 'partition', 0);
  }
  const retention = ensureObj(spec, 'persistentVolumeClaimRetentionPolicy');
  if (retention) {
    setDefault(retention, 'whenDeleted', 'Retain', blank);
    setDefault(retention, 'whenScaled', 'Retain', blank);
  }
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  for (const t of objectsAt(spec, 'volumeClaimTemplates')) defaultClaimTemplate(t);
  defaultPodTemplate(objAt(spec, 'template'));
}

/**
 * The selector kube-apiserver generates for a Job (unless `manualSelector`): the Job's uid, which
 * no other controller's pods can carry, plus a job-name label for people.
 */
function generateJobSelector(o: Obj, spec: Obj): void {
  const meta = objAt(o, 'metadata');
  const uid = meta?.uid;
  const name = meta?.name;
  if (spec.manualSelector === true || typeof uid !== 'string' || !uid) return;
  const template = ensureObj(spec, 'template');
  const templateMeta = template ? ensureObj(template, 'metadata') : undefined;
  const labels = templateMeta ? ensureObj(templateMeta, 'labels') : undefined;
  if (!labels) return;
  // Label values stop at 63 characters; longer Job names simply go without the name label.
  if (typeof name === 'string' && name.length <= 63) {
    setDefault(labels, 'job-name', name);
    setDefault(labels, JOB_NAME_LABEL, name);
  }
  setDefault(labels, 'controller-uid', uid);
  setDefault(labels, CONTROLLER_UID_LABEL, uid);
  const selector = ensureObj(spec, 'selector');
  const matchLabels = selector ? ensureObj(selector, 'matchLabels') : undefined;
  if (matchLabels) setDefault(matchLabels, CONTROLLER_UID_LABEL, uid);
}

export function defaultJob(o: Obj): void {
  const spec = ensureObj(o, 'spec');
  if (!spec) return;
  if (unset(spec.completions) && unset(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', unset(spec.backoffLimitPerIndex) ? 6 : 2147483647);
  const templateLabels = objAt(objAt(objAt(spec, 'template'), 'metadata'), 'labels');
  const meta = objAt(o, 'metadata');
  // The Job takes its pods' labels when it has none of its own.
  if (meta && templateLabels && Object.keys(objAt(meta, 'labels') ?? {}).length === 0) meta.labels = { ...templateLabels };
  setDefault(spec, 'completionMode', 'NonIndexed', blank);
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', unset(spec.podFailurePolicy) ? 'TerminatingOrFailed' : 'Failed', blank);
  generateJobSelector(o, spec);
  defaultPodTemplate(objAt(spec, 'template'));
}
