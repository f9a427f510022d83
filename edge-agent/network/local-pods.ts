// The pods this node wired to its network, kept on disk (one file per sandbox) so that policy
// and DNS know local pods' addresses at once — also for a pod started while the node is
// offline, whose status (and so its address) has not reached the server yet — and so that
// an address the agent handed out is known again after a restart.
import fs from 'node:fs';
import path from 'node:path';

export interface LocalPod {
  namespace: string;
  name: string;
  uid: string;
  sandboxId: string;
  ip: string;
}

export interface LocalPods {
  list(): LocalPod[];
  put(pod: LocalPod): void;
  remove(sandboxId: string): void;
}

const SANDBOX_ID = /^[0-9a-f]{8,64}$/;

export function openLocalPods(dir: string): LocalPods {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pods = new Map<string, LocalPod>();
  for (const file of fs.readdirSync(dir)) {
    if (!file.endsWith('.json')) continue;
    try {
      const pod = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as LocalPod;
      if (SANDBOX_ID.test(pod.sandboxId) && typeof pod.ip === 'string') pods.set(pod.sandboxId, pod);
    } catch {
      fs.rmSync(path.join(dir, file), { force: true });
    }
  }
  return {
    list: () => [...pods.values()],
    put(pod) {
      if (!SANDBOX_ID.test(pod.sandboxId)) throw new Error(`sandbox id ${JSON.stringify(pod.sandboxId)} is not hex`);
      const file = path.join(dir, `${pod.sandboxId}.json`);
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(pod), { mode: 0o600 });
      fs.renameSync(`${file}.tmp`, file);
      pods.set(pod.sandboxId, pod);
    },
    remove(sandboxId) {
      if (!SANDBOX_ID.test(sandboxId)) return;
      fs.rmSync(path.join(dir, `${sandboxId}.json`), { force: true });
      pods.delete(sandboxId);
    },
  };
}
