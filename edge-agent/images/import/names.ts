// Which names an imported image gets. OCI layouts name an image with the annotation
// org.opencontainers.image.ref.name, usually just a tag ("1.0", what `skopeo copy
// oci:DIR:1.0` writes); containerd and Docker ≥ 25 add io.containerd.image.name with the
// full reference. A bare tag needs a repository: the containerd name's, else the one the
// user gave, else the archive's file name. docker-archive carries full RepoTags. Every name
// is normalised the Docker way (busybox:1 → docker.io/library/busybox:1).
import path from 'node:path';
import { oci, SkerryError } from '../../../common/index.ts';
import { within } from './errors.ts';

export const REF_NAME = oci.ANNOTATION.refName;
export const CONTAINERD_NAME = oci.ANNOTATION.containerdName;

export function normalise(text: string, where: string): string {
  return within(where, () => oci.formatReference(oci.parseReference(text)));
}

/** A name's repository and whether it said a tag (parseReference defaults one to latest). */
function splitName(text: string): { repository: string; tag?: string } {
  const ref = oci.parseReference(text);
  const explicitTag = text.slice(text.lastIndexOf('/') + 1).includes(':');
  return { repository: oci.repositoryOf(ref), ...(explicitTag && ref.tag ? { tag: ref.tag } : {}) };
}

/** The repository a bare ref.name tag is put in when the layout does not say: the archive's base name. */
export function repositoryFromPath(file: string): string | undefined {
  const base = path.basename(path.resolve(file))
    .replace(/\.(tar|tar\.gz|tgz|oci|oci-layout|oci-archive|docker-archive)$/i, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '');
  return base && oci.isRepositoryName(base) ? base : undefined;
}

export interface NamingOptions {
  /** --name: a repository (or reference) the user gave for the import. */
  name?: string;
  /** Used when neither the layout nor the user names the repository. */
  pathRepository?: string;
}

/** The normalised name of an OCI layout's index.json entry, undefined when it has none. */
export function ociEntryName(annotations: Record<string, string> | undefined, options: NamingOptions, where: string): string | undefined {
  const refName = annotations?.[REF_NAME];
  const fullName = annotations?.[CONTAINERD_NAME];
  const tag = refName !== undefined && oci.isTag(refName) ? refName : undefined;
  if (fullName) {
    const ref = oci.parseReference(normalise(fullName, `${where} annotation ${CONTAINERD_NAME}`));
    return oci.formatReference({ domain: ref.domain, path: ref.path, tag: tag ?? ref.tag ?? 'latest' });
  }
  // Some tools put a whole reference in ref.name instead of a tag.
  if (refName !== undefined && tag === undefined) return normalise(refName, `${where} annotation ${REF_NAME}`);
  const given = options.name !== undefined ? splitName(options.name) : undefined;
  if (tag !== undefined) {
    const repository = given?.repository ?? options.pathRepository;
    return repository ? normalise(`${repository}:${tag}`, `${where} annotation ${REF_NAME}`) : undefined;
  }
  return options.name !== undefined ? normalise(options.name, '--name') : undefined;
}

/** docker-archive's RepoTags, normalised; --name when the archive has none. */
export function dockerArchiveNames(repoTags: unknown, options: NamingOptions, where: string): string[] {
  if (repoTags !== undefined && repoTags !== null && (!Array.isArray(repoTags) || repoTags.some((t) => typeof t !== 'string'))) {
    throw new SkerryError('IMAGE_INVALID', `${where}.RepoTags must be an array of strings`, { field: `${where}.RepoTags` });
  }
  const tags = (repoTags as string[] | null | undefined) ?? [];
  if (tags.length > 0) return tags.map((t, i) => normalise(t, `${where}.RepoTags[${i}]`));
  return options.name !== undefined ? [normalise(options.name, '--name')] : [];
}
