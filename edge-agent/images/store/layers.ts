// Unpacked layers by diff id: <root>/layers/sha256/<hex>/{fs,meta.json}. A layer is unpacked
// into <root>/layers/tmp/<random>/ and renamed into place whole, so a crash leaves either
// the complete layer or a temp dir that garbage collection removes. One unpack per diff id
// at a time in this process; another process unpacking the same layer loses the rename
// race harmlessly (its copy is dropped).
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { componentLogger, oci } from '../../../common/index.ts';
import { fsyncDir, makeDurableDir, parseDigest, type ContentStore } from '../../../storage/content/index.ts';
import { unpackLayer } from '../unpack/index.ts';

const log = componentLogger('images');

export interface LayerMeta {
  diffId: string;
  bytes: number;
  entries: number;
}

export interface Layers {
  path(diffId: string): string;
  has(diffId: string): boolean;
  meta(diffId: string): LayerMeta | undefined;
  ensure(content: ContentStore, layer: oci.Descriptor, diffId: string): Promise<LayerMeta>;
  list(): string[];
  remove(diffId: string): Promise<void>;
  removeTemps(): number;
}

export function openLayers(root: string): Layers {
  const base = path.join(root, 'layers');
  const tmp = path.join(base, 'tmp');
  makeDurableDir(path.join(base, 'sha256'));
  makeDurableDir(tmp);
  const pending = new Map<string, Promise<LayerMeta>>();
  const dirOf = (diffId: string) => {
    const { algorithm, hex } = parseDigest(diffId, 'diff id');
    return path.join(base, algorithm, hex);
  };
  const meta = (diffId: string): LayerMeta | undefined => {
    try {
      return JSON.parse(fs.readFileSync(path.join(dirOf(diffId), 'meta.json'), 'utf8')) as LayerMeta;
    } catch {
      return undefined;
    }
  };

  async function unpack(content: ContentStore, layer: oci.Descriptor, diffId: string): Promise<LayerMeta> {
    const compression = oci.LAYER_COMPRESSION[layer.mediaType] ?? 'auto';
    const work = path.join(tmp, `${process.pid}-${randomUUID()}`);
    fs.mkdirSync(work, { mode: 0o700 });
    try {
      const started = performance.now();
      const result = await unpackLayer(content.createReadStream(layer.digest), path.join(work, 'fs'), {
        compression: compression === 'zstd' ? 'auto' : compression,
        expectedDiffId: diffId,
      });
      const info: LayerMeta = { diffId, bytes: result.bytes, entries: result.entries };
      fs.writeFileSync(path.join(work, 'meta.json'), JSON.stringify(info));
      fsyncDir(work);
      makeDurableDir(path.dirname(dirOf(diffId)));
      try {
        fs.renameSync(work, dirOf(diffId));
      } catch (error) {
        // Another process put the same layer in place first: theirs is as good as ours.
        if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
        await fs.promises.rm(work, { recursive: true, force: true });
      }
      fsyncDir(path.dirname(dirOf(diffId)));
      log.debug({ diffId, blob: layer.digest, ms: Math.round(performance.now() - started) }, 'layer in place');
      return info;
    } catch (error) {
      await fs.promises.rm(work, { recursive: true, force: true });
      throw error;
    }
  }

  return {
    path: (diffId) => path.join(dirOf(diffId), 'fs'),
    has: (diffId) => meta(diffId) !== undefined,
    meta,
    ensure(content, layer, diffId) {
      const present = meta(diffId);
      if (present) return Promise.resolve(present);
      const running = pending.get(diffId);
      if (running) return running;
      const job = unpack(content, layer, diffId).finally(() => pending.delete(diffId));
      pending.set(diffId, job);
      return job;
    },
    list() {
      return fs.readdirSync(path.join(base, 'sha256')).map((hex) => `sha256:${hex}`);
    },
    async remove(diffId) {
      // Renamed away first so a half-removed layer is never taken for a whole one.
      const doomed = path.join(tmp, `removing-${randomUUID()}`);
      try {
        fs.renameSync(dirOf(diffId), doomed);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      await fs.promises.rm(doomed, { recursive: true, force: true });
    },
    removeTemps() {
      // Only a dead writer's: another process may be unpacking into its own temp dir now.
      const names = fs.readdirSync(tmp).filter((name) => {
        const pid = Number(name.split('-')[0]);
        return name.startsWith('removing-') || !Number.isInteger(pid) || !fs.existsSync(`/proc/${pid}`);
      });
      for (const name of names) fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
      return names.length;
    },
  };
}
