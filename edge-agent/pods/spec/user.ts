// Who a container runs as: runAsUser/runAsGroup from the container's or pod's security
// context, else the image's User ("uid", "name", "uid:gid", "name:group") looked up in the
// image's /etc/passwd and /etc/group, as containerd does; supplemental groups are the
// image's memberships plus the pod's supplementalGroups and fsGroup.
import type { KubeContainer, Pod } from '../types.ts';
import { PodError } from './errors.ts';

export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

export interface ImageAccounts {
  /** The image's /etc/passwd and /etc/group text, when it has them. */
  passwd?: string;
  group?: string;
}

interface PasswdEntry { name: string; uid: number; gid: number }
interface GroupEntry { name: string; gid: number; members: string[] }

function parsePasswd(text = ''): PasswdEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 4 && /^\d+$/.test(f[2]!) && /^\d+$/.test(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]) }));
}

function parseGroup(text = ''): GroupEntry[] {
  return text.split('\n').map((l) => l.split(':')).filter((f) => f.length >= 3 && /^\d+$/.test(f[2]!))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

const numeric = (text: string) => /^\d+$/.test(text);

function imageUser(spec: string, accounts: ImageAccounts): { uid: number; gid?: number; name?: string } {
  const [userPart = '', groupPart] = spec.split(':');
  const users = parsePasswd(accounts.passwd);
  let uid: number;
  let gid: number | undefined;
  let name: string | undefined;
  if (userPart === '') uid = 0;
  else if (numeric(userPart)) uid = Number(userPart);
  else {
    const entry = users.find((u) => u.name === userPart);
    if (!entry) throw new PodError('CreateContainerError', `unable to find user ${userPart}: no matching entries in passwd file`);
    ({ uid, gid, name } = entry);
  }
  if (groupPart !== undefined && groupPart !== '') gid = lookupGroup(groupPart, accounts);
  return { uid, ...(gid !== undefined && { gid }), ...(name !== undefined && { name }) };
}

function lookupGroup(group: string, accounts: ImageAccounts): number {
  if (numeric(group)) return Number(group);
  const entry = parseGroup(accounts.group).find((g) => g.name === group);
  if (!entry) throw new PodError('CreateContainerError', `unable to find group ${group}: no matching entries in group file`);
  return entry.gid;
}

function refuseRoot(pod: Pod, container: KubeContainer, uid: number, imageSpec: string, explicit: boolean): void {
  const who = `pod: "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})", container: ${container.name}`;
  if (!explicit && imageSpec.split(':')[0] && !numeric(imageSpec.split(':')[0]!)) {
    throw new PodError('CreateContainerConfigError', `container has runAsNonRoot and image has non-numeric user (${imageSpec.split(':')[0]}), cannot verify user is non-root (${who})`);
  }
  if (uid === 0) throw new PodError('CreateContainerConfigError', `container has runAsNonRoot and image will run as root (${who})`);
}

/** The process user for `container`; `imageSpec` is the image config's User. */
export function resolveUser(pod: Pod, container: KubeContainer, imageSpec: string, accounts: ImageAccounts): ProcessUser {
  const podSc = pod.spec.securityContext ?? {};
  const sc = container.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? podSc.runAsGroup;
  const fromImage = runAsUser === undefined ? imageUser(imageSpec, accounts) : undefined;
  const uid = runAsUser ?? fromImage!.uid;
  const passwdEntry = parsePasswd(accounts.passwd).find((u) => u.uid === uid);
  const gid = runAsGroup ?? fromImage?.gid ?? passwdEntry?.gid ?? 0;
  if (sc.runAsNonRoot ?? podSc.runAsNonRoot) refuseRoot(pod, container, uid, imageSpec, runAsUser !== undefined);
  const name = fromImage?.name ?? passwdEntry?.name;
  const memberOf = name ? parseGroup(accounts.group).filter((g) => g.members.includes(name)).map((g) => g.gid) : [];
  const extra = [...memberOf, ...(podSc.supplementalGroups ?? []), ...(podSc.fsGroup !== undefined ? [podSc.fsGroup] : [])];
  return { uid, gid, additionalGids: [...new Set(extra.filter((g) => g !== gid))] };
}
