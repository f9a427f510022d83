// What `skerry logs` and `skerry exec` share with kubectl's: the container a request is for
// (kubectl's default-container rule and its "Defaulted container" note).
import { request, serverError, type Connection } from './connection.ts';

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export function podPath(namespace: string, pod: string, subresource?: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}${subresource ? `/${subresource}` : ''}`;
}

/**
 * The container to use: the one named, else the pod's annotated default, else its first
 * (with kubectl's note on stderr when there was a choice). Reads the pod, so a missing pod
 * fails as kubectl's does: "Error from server (NotFound): pods "x" not found".
 */
export async function chooseContainer(connection: Connection, namespace: string, pod: string, named: string | undefined): Promise<string | undefined> {
  if (named) return named;
  const answer = await request(connection, 'GET', podPath(namespace, pod));
  if (answer.status !== 200) throw serverError(answer);
  const object = JSON.parse(answer.body) as { metadata?: { annotations?: Record<string, string> }; spec?: { containers?: Array<{ name: string }> } };
  const names = (object.spec?.containers ?? []).map((c) => c.name);
  const annotated = object.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && names.includes(annotated)) return annotated;
  if (names.length > 1) process.stderr.write(`Defaulted container "${names[0]}" out of: ${names.join(', ')}\n`);
  return names[0];
}

