import { SkerryError } from '../../../common/index.ts';
import { connectionFrom, request, serverError, type Connection } from '../client/connection.ts';
import { collectionPath, discover, resolve, type ApiResource } from '../client/resources.ts';
import { parseFlags, verbGroup, type Verb } from '../verb.ts';

const REVISION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';

interface Target {
  connection: Connection;
  deployment: ApiResource;
  namespace: string;
  name: string;
}

const flags = { namespace: { type: 'string', short: 'n' }, kubeconfig: { type: 'string' }, 'data-dir': { type: 'string' }, timeout: { type: 'string' }, 'to-revision': { type: 'string' } } as const;

async function targetOf(args: string[], usage: string): Promise<Target | undefined> {
  const { values, positionals } = parseFlags(args, flags, true);
  if (values.help) return process.stdout.write(usage), undefined;
  const [first, second] = positionals;
  const [kind, name] = first?.includes('/') ? first.split('/', 2) : [first, second];
  if (!kind || !name) throw new SkerryError('USAGE', 'needs deployment/NAME or deployment NAME');
  const connection = connectionFrom(values.kubeconfig, values['data-dir']);
  const deployment = resolve(await discover(connection), kind);
  if (deployment.kind !== 'Deployment') throw new SkerryError('USAGE', `rollout works on deployments here, not ${deployment.kind}`);
  return { connection, deployment, namespace: values.namespace ?? connection.namespace, name };
}

type Json = Record<string, any>;

async function getJson(connection: Connection, url: string): Promise<Json> {
  const answer = await request(connection, 'GET', url);
  if (answer.status !== 200) throw serverError(answer);
  return JSON.parse(answer.body) as Json;
}

/** The Deployment's ReplicaSets by revision, as kubectl's history reads them. */
async function revisions(t: Target, deployment: Json): Promise<Array<{ revision: number; rs: Json }>> {
  const list = await getJson(t.connection, `/apis/apps/v1/namespaces/${encodeURIComponent(t.namespace)}/replicasets`);
  return (list.items as Json[])
    .filter((rs) => (rs.metadata.ownerReferences ?? []).some((o: Json) => o.controller && o.uid === deployment.metadata.uid))
    .map((rs) => ({ revision: Number(rs.metadata.annotations?.[REVISION] ?? 0), rs }))
    .sort((a, b) => a.revision - b.revision);
}

const history: Verb = {
  name: 'history',
  summary: 'list the revisions of a deployment',
  usage: 'Usage: skerry rollout history deployment/NAME [-n NS]\n',
  async run(args) {
    const t = await targetOf(args, this.usage);
    if (!t) return 0;
    const deployment = await getJson(t.connection, `${collectionPath(t.deployment, t.namespace)}/${encodeURIComponent(t.name)}`);
    const rows = (await revisions(t, deployment)).map(({ revision, rs }) => [String(revision), rs.metadata.annotations?.[CHANGE_CAUSE] ?? '<none>']);
    const width = Math.max('REVISION'.length, ...rows.map((r) => r[0]!.length)) + 2;
    process.stdout.write(`deployment.apps/${t.name} \n${['REVISION', 'CHANGE-CAUSE'].map((h, i) => (i === 0 ? h.padEnd(width) : h)).join('')}\n${rows.map((r) => `${r[0]!.padEnd(width)}${r[1]}`).join('\n')}\n\n`);
    return 0;
  },
};

const undo: Verb = {
  name: 'undo',
  summary: 'roll a deployment back to its previous (or a given) revision',
  usage: 'Usage: skerry rollout undo deployment/NAME [--to-revision N] [-n NS]\n',
  async run(args) {
    const t = await targetOf(args, this.usage);
    if (!t) return 0;
    const { values } = parseFlags(args, flags, true);
    const url = `${collectionPath(t.deployment, t.namespace)}/${encodeURIComponent(t.name)}`;
    const deployment = await getJson(t.connection, url);
    const all = await revisions(t, deployment);
    const wanted = values['to-revision'] ? Number(values['to-revision']) : all.length >= 2 ? all[all.length - 2]!.revision : 0;
    const target = all.find((r) => r.revision === wanted);
    if (!target) throw new SkerryError('USAGE', values['to-revision'] ? `unable to find specified revision ${wanted} in history` : 'no rollout history found for deployment');
    const template = structuredClone(target.rs.spec.template) as Json;
    delete template.metadata?.labels?.['pod-template-hash'];
    // As kubectl: replace the template wholesale, pinned to the version read.
    const patch = [
      { op: 'test', path: '/metadata/resourceVersion', value: deployment.metadata.resourceVersion },
      { op: 'replace', path: '/spec/template', value: template },
    ];
    const answer = await request(t.connection, 'PATCH', url, { body: JSON.stringify(patch), contentType: 'application/json-patch+json' });
    if (answer.status !== 200) throw serverError(answer);
    process.stdout.write(`deployment.apps/${t.name} rolled back\n`);
    return 0;
  },
};

function statusLine(d: Json): { done: boolean; line: string } {
  const spec = d.spec ?? {};
  const s = d.status ?? {};
  const replicas = spec.replicas ?? 1;
  const progressing = (s.conditions ?? []).find((c: Json) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') throw new SkerryError('API_ERROR', `deployment "${d.metadata.name}" exceeded its progress deadline`);
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) return { done: false, line: 'Waiting for deployment spec update to be observed...' };
  const updated = s.updatedReplicas ?? 0;
  if (updated < replicas) return { done: false, line: `Waiting for deployment "${d.metadata.name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...` };
  if ((s.replicas ?? 0) > updated) return { done: false, line: `Waiting for deployment "${d.metadata.name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...` };
  if ((s.availableReplicas ?? 0) < updated) return { done: false, line: `Waiting for deployment "${d.metadata.name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
  return { done: true, line: `deployment "${d.metadata.name}" successfully rolled out` };
}

const status: Verb = {
  name: 'status',
  summary: 'wait for a deployment rollout to finish',
  usage: 'Usage: skerry rollout status deployment/NAME [--timeout 30s] [-n NS]\n',
  async run(args) {
    const t = await targetOf(args, this.usage);
    if (!t) return 0;
    const { values } = parseFlags(args, flags, true);
    const timeoutMs = values.timeout ? Number.parseFloat(values.timeout) * (values.timeout.endsWith('m') ? 60_000 : 1000) : Number.POSITIVE_INFINITY;
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      const { done, line } = statusLine(await getJson(t.connection, `${collectionPath(t.deployment, t.namespace)}/${encodeURIComponent(t.name)}`));
      if (line !== last) process.stdout.write(`${line}\n`);
      last = line;
      if (done) return 0;
      if (Date.now() > deadline) throw new SkerryError('API_ERROR', 'timed out waiting for the condition');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  },
};

export const rolloutVerb = verbGroup('rollout', 'manage a deployment rollout, like kubectl rollout', 'Shows, waits for and undoes deployment rollouts.', [status, history, undo]);
