// The registry's metadata in the revisioned store, under /registry/. Blob bytes live in the
// content store; what a repository holds lives here, so a blob pushed to one repository is
// not served from another until it is mounted there, and tags move by revisioned writes.
//
//   /registry/repositories/<name>            {created}
//   /registry/blobs/<name>@<digest>           {size}          the repository may serve it
//   /registry/manifests/<name>@<digest>       {mediaType, size}
//   /registry/tags/<name>:<tag>               {digest}
//   /registry/uploads/<id>                    {name, started} an upload in progress
//
// "@" and ":" never occur in a repository name, so one repository's keys are never a
// prefix of another's ("team/app:" does not match "team/app/x:...").
import { isSkerryError } from '../../common/index.ts';
import type { KeyValueStore } from '../../storage/kv/index.ts';

export const REGISTRY_PREFIX = '/registry/';

const keys = {
  repository: (name: string) => `${REGISTRY_PREFIX}repositories/${name}`,
  blob: (name: string, digest: string) => `${REGISTRY_PREFIX}blobs/${name}@${digest}`,
  manifest: (name: string, digest: string) => `${REGISTRY_PREFIX}manifests/${name}@${digest}`,
  tag: (name: string, tag: string) => `${REGISTRY_PREFIX}tags/${name}:${tag}`,
  upload: (id: string) => `${REGISTRY_PREFIX}uploads/${id}`,
};

export interface ManifestRecord {
  mediaType: string;
  size: number;
}

export interface UploadRecord {
  name: string;
  started: string;
}

export interface RegistryMetadata {
  ensureRepository(name: string): Promise<void>;
  hasRepository(name: string): Promise<boolean>;
  repositories(): Promise<string[]>;
  linkBlob(name: string, digest: string, size: number): Promise<void>;
  blobLink(name: string, digest: string): Promise<{ size: number } | undefined>;
  unlinkBlob(name: string, digest: string): Promise<boolean>;
  putManifest(name: string, digest: string, record: ManifestRecord): Promise<void>;
  manifest(name: string, digest: string): Promise<ManifestRecord | undefined>;
  /** Removes the manifest and every tag that points at it. */
  deleteManifest(name: string, digest: string): Promise<boolean>;
  setTag(name: string, tag: string, digest: string): Promise<void>;
  tagDigest(name: string, tag: string): Promise<string | undefined>;
  deleteTag(name: string, tag: string): Promise<boolean>;
  /** Tags in lexical order. */
  tags(name: string): Promise<string[]>;
  startUpload(id: string, name: string): Promise<void>;
  upload(id: string): Promise<UploadRecord | undefined>;
  endUpload(id: string): Promise<void>;
  uploads(): Promise<Array<UploadRecord & { id: string }>>;
}

export function registryMetadata(kv: KeyValueStore): RegistryMetadata {
  const store = revisionedJson(kv);
  const listSuffixes = async (prefix: string) => (await kv.list(prefix)).items.map((item) => item.key.slice(prefix.length));
  const meta: RegistryMetadata = {
    ensureRepository: (name) => store.createIfAbsent(keys.repository(name), { created: new Date().toISOString() }),
    hasRepository: async (name) => (await kv.get(keys.repository(name))) !== undefined,
    repositories: () => listSuffixes(keys.repository('')),
    async linkBlob(name, digest, size) {
      await meta.ensureRepository(name);
      await store.put(keys.blob(name, digest), { size });
    },
    blobLink: (name, digest) => store.get<{ size: number }>(keys.blob(name, digest)),
    unlinkBlob: (name, digest) => store.remove(keys.blob(name, digest)),
    async putManifest(name, digest, record) {
      await meta.ensureRepository(name);
      await store.put(keys.manifest(name, digest), record);
    },
    manifest: (name, digest) => store.get<ManifestRecord>(keys.manifest(name, digest)),
    async deleteManifest(name, digest) {
      const prefix = keys.tag(name, '');
      for (const item of (await kv.list(prefix)).items) {
        if ((JSON.parse(item.value.toString()) as { digest: string }).digest === digest) await store.remove(item.key);
      }
      return store.remove(keys.manifest(name, digest));
    },
    setTag: (name, tag, digest) => store.put(keys.tag(name, tag), { digest }),
    tagDigest: async (name, tag) => (await store.get<{ digest: string }>(keys.tag(name, tag)))?.digest,
    deleteTag: (name, tag) => store.remove(keys.tag(name, tag)),
    tags: async (name) => (await listSuffixes(keys.tag(name, ''))).sort(),
    startUpload: (id, name) => store.createIfAbsent(keys.upload(id), { name, started: new Date().toISOString() }),
    upload: (id) => store.get<UploadRecord>(keys.upload(id)),
    endUpload: async (id) => void (await store.remove(keys.upload(id))),
    uploads: async () => (await kv.list(keys.upload(''))).items.map((item) => ({
      id: item.key.slice(keys.upload('').length),
      ...(JSON.parse(item.value.toString()) as UploadRecord),
    })),
  };
  return meta;
}

/** JSON values over the store's compare-and-swap writes, retried when a writer races us. */
function revisionedJson(kv: KeyValueStore) {
  const raced = (error: unknown) => isSkerryError(error, 'KEY_EXISTS') || isSkerryError(error, 'REVISION_CONFLICT') || isSkerryError(error, 'KEY_NOT_FOUND');
  return {
    async get<T>(key: string): Promise<T | undefined> {
      const found = await kv.get(key);
      return found ? (JSON.parse(found.value.toString()) as T) : undefined;
    },
    /** Writes `value`; an unchanged value is not written again, so re-pushes add no revisions. */
    async put(key: string, value: unknown): Promise<void> {
      const bytes = Buffer.from(JSON.stringify(value));
      for (let attempt = 0; ; attempt++) {
        const current = await kv.get(key);
        if (current?.value.equals(bytes)) return;
        try {
          await (current ? kv.update(key, bytes, current.modRevision) : kv.create(key, bytes));
          return;
        } catch (error) {
          if (!raced(error) || attempt >= 5) throw error;
        }
      }
    },
    async createIfAbsent(key: string, value: unknown): Promise<void> {
      if (await kv.get(key)) return;
      try {
        await kv.create(key, Buffer.from(JSON.stringify(value)));
      } catch (error) {
        if (!isSkerryError(error, 'KEY_EXISTS')) throw error;
      }
    },
    async remove(key: string): Promise<boolean> {
      try {
        await kv.delete(key, 0);
        return true;
      } catch (error) {
        if (isSkerryError(error, 'KEY_NOT_FOUND')) return false;
        throw error;
      }
    },
  };
}
