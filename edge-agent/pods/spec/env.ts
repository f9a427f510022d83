// A container's environment as the kubelet makes it (makeEnvironmentVariables): envFrom
// first, in order, then env, which overrides; $(VAR) in values refers to what is defined
// so far. A missing ConfigMap, Secret or key that is not optional stops the container with
// CreateContainerConfigError and the kubelet's message.
import type { KeyData, KubeContainer, Pod } from '../types.ts';
import { PodError } from './errors.ts';
import { expand } from './expansion.ts';
import { fieldValue, type NodeFacts } from './fields.ts';

/** Where ConfigMaps and Secrets come from: the node's view. undefined: not there. */
export interface ObjectSource {
  configMap(namespace: string, name: string): KeyData | undefined;
  secret(namespace: string, name: string): KeyData | undefined;
}

export interface ResolvedEnv {
  /** Name → value, in the order names were first defined. */
  vars: Map<string, string>;
  /** Kubelet warnings (InvalidEnvironmentVariableNames) to record as events. */
  warnings: string[];
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

type Kind = 'configMap' | 'secret';
const KIND_TEXT: Record<Kind, { lower: string; title: string }> = {
  configMap: { lower: 'configmap', title: 'ConfigMap' },
  secret: { lower: 'secret', title: 'Secret' },
};

function fetch(source: ObjectSource, kind: Kind, namespace: string, name: string, optional: boolean): KeyData | undefined {
  const data = kind === 'configMap' ? source.configMap(namespace, name) : source.secret(namespace, name);
  if (data === undefined && !optional) throw new PodError('CreateContainerConfigError', `${KIND_TEXT[kind].lower} "${name}" not found`);
  return data;
}

function addEnvFrom(container: KubeContainer, pod: Pod, source: ObjectSource, out: ResolvedEnv): void {
  for (const from of container.envFrom ?? []) {
    const kind: Kind | undefined = from.configMapRef ? 'configMap' : from.secretRef ? 'secret' : undefined;
    if (!kind) continue;
    const ref = (from.configMapRef ?? from.secretRef)!;
    const data = fetch(source, kind, pod.metadata.namespace, ref.name ?? '', ref.optional === true);
    if (!data) continue;
    const invalid: string[] = [];
    for (const key of Object.keys(data).sort()) {
      const name = `${from.prefix ?? ''}${key}`;
      if (!ENV_NAME.test(name)) invalid.push(name);
      else out.vars.set(name, data[key]!.toString('utf8'));
    }
    if (invalid.length > 0) {
      out.warnings.push(`Keys [${invalid.sort().join(', ')}] from the EnvFrom ${KIND_TEXT[kind].lower} ${pod.metadata.namespace}/${ref.name} were skipped since they are considered invalid environment variable names.`);
    }
  }
}

function keyValue(source: ObjectSource, kind: Kind, pod: Pod, ref: { name?: string; key: string; optional?: boolean }): string | undefined {
  const optional = ref.optional === true;
  const data = fetch(source, kind, pod.metadata.namespace, ref.name ?? '', optional);
  if (!data) return undefined;
  const value = data[ref.key];
  if (value === undefined && !optional) {
    throw new PodError('CreateContainerConfigError', `couldn't find key ${ref.key} in ${KIND_TEXT[kind].title} ${pod.metadata.namespace}/${ref.name}`);
  }
  return value?.toString('utf8');
}

function valueFrom(env: NonNullable<KubeContainer['env']>[number], pod: Pod, source: ObjectSource, facts: NodeFacts): string | undefined {
  const from = env.valueFrom!;
  if (from.fieldRef) {
    try {
      return fieldValue(pod, from.fieldRef.fieldPath, facts);
    } catch (error) {
      throw new PodError('CreateContainerConfigError', (error as Error).message);
    }
  }
  if (from.configMapKeyRef) return keyValue(source, 'configMap', pod, from.configMapKeyRef);
  if (from.secretKeyRef) return keyValue(source, 'secret', pod, from.secretKeyRef);
  if (from.resourceFieldRef) throw new PodError('CreateContainerConfigError', `env ${env.name}: resourceFieldRef is not supported by skerry yet`);
  return '';
}

/** The container's own environment (without the image's). */
export function resolveEnv(container: KubeContainer, pod: Pod, source: ObjectSource, facts: NodeFacts): ResolvedEnv {
  const out: ResolvedEnv = { vars: new Map(), warnings: [] };
  addEnvFrom(container, pod, source, out);
  for (const env of container.env ?? []) {
    let value: string | undefined;
    if (env.value) value = expand(env.value, out.vars);
    else if (env.valueFrom) value = valueFrom(env, pod, source, facts);
    else value = '';
    // An optional reference that is missing leaves the variable out, as the kubelet does.
    if (value !== undefined) out.vars.set(env.name, value);
  }
  return out;
}

/**
 * The process environment: PATH, HOSTNAME, the image's Env, then the container's, a later
 * definition replacing an earlier one in place (containerd's WithEnv).
 */
export function mergeEnv(hostname: string, imageEnv: string[] | undefined, vars: ReadonlyMap<string, string>): string[] {
  const merged = new Map<string, string>([['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], ['HOSTNAME', hostname]]);
  for (const entry of imageEnv ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) merged.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  for (const [name, value] of vars) merged.set(name, value);
  return [...merged].map(([name, value]) => `${name}=${value}`);
}
