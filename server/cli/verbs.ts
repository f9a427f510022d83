import type { Verb } from './verb.ts';

/**
 * The verbs of the skerry executable; each lives in its own file under verbs/ and is loaded
 * only when it runs. In the one-file bundle a dynamically imported module is evaluated on
 * first use, so `skerry agent` does not evaluate the server's modules (API, store, broker,
 * controllers) nor `skerry get` either daemon's: less memory and a faster start (ADR 013).
 * The summaries are here so that the overview loads nothing.
 */
export interface VerbEntry {
  name: string;
  summary: string;
  load: () => Promise<Verb>;
}

export const verbs: VerbEntry[] = [
  { name: 'server', summary: 'run the control plane', load: async () => (await import('./verbs/server.ts')).serverVerb },
  { name: 'agent', summary: 'join this machine as a node and run its pods', load: async () => (await import('./verbs/agent.ts')).agentVerb },
  { name: 'kubeconfig', summary: 'print a kubeconfig for kubectl', load: async () => (await import('./verbs/kubeconfig.ts')).kubeconfigVerb },
  { name: 'token', summary: 'create, list and revoke join tokens for agents', load: async () => (await import('./verbs/token.ts')).tokenVerb },
  { name: 'apply', summary: 'create or update objects from manifests, like kubectl apply', load: async () => (await import('./verbs/apply.ts')).applyVerb },
  { name: 'get', summary: 'list or show objects, like kubectl get', load: async () => (await import('./verbs/get.ts')).getVerb },
  { name: 'describe', summary: 'show objects in detail with their events, like kubectl describe', load: async () => (await import('./verbs/describe.ts')).describeVerb },
  { name: 'logs', summary: "print a container's log, like kubectl logs", load: async () => (await import('./verbs/logs.ts')).logsVerb },
  { name: 'exec', summary: 'run a command in a container, like kubectl exec', load: async () => (await import('./verbs/exec.ts')).execVerb },
  { name: 'delete', summary: 'delete objects, like kubectl delete', load: async () => (await import('./verbs/delete.ts')).deleteVerb },
  { name: 'scale', summary: 'set the replicas of a workload, like kubectl scale', load: async () => (await import('./verbs/scale.ts')).scaleVerb },
  { name: 'rollout', summary: 'manage a deployment rollout, like kubectl rollout', load: async () => (await import('./verbs/rollout.ts')).rolloutVerb },
  { name: 'images', summary: 'import, pull, build, list and remove images', load: async () => (await import('./verbs/images.ts')).imagesVerb },
  { name: 'runtime', summary: 'run OCI bundles (run, exec, state, kill, delete, list, spec)', load: async () => (await import('./verbs/runtime.ts')).runtimeVerb },
  { name: 'check-config', summary: 'check kernel and host features, like k3s check-config', load: async () => (await import('./verbs/check-config.ts')).checkConfigVerb },
  { name: 'version', summary: 'print the version', load: async () => (await import('./verbs/version.ts')).versionVerb },
];
