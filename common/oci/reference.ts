// Image references with Docker's normalisation (distribution/reference): "busybox:1" is
// docker.io/library/busybox:1, "localhost:5000/app" keeps its registry, a reference
// without tag or digest means :latest.
import { SkerryError } from '../errors.ts';

export interface ImageReference {
  /** Registry host[:port], "docker.io" by default. */
  domain: string;
  /** Repository path inside the registry, e.g. "library/busybox". */
  path: string;
  tag?: string;
  digest?: string;
}

const DEFAULT_DOMAIN = 'docker.io';
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

function bad(text: string, reason: string): SkerryError {
  return new SkerryError('REFERENCE_INVALID', `${JSON.stringify(text.slice(0, 300))}: ${reason}`, { reference: text.slice(0, 300) });
}

function isDomain(first: string): boolean {
  return first === 'localhost' || first.includes('.') || first.includes(':') || first !== first.toLowerCase();
}

function checkDomain(text: string, domain: string): void {
  const colon = domain.lastIndexOf(':');
  const host = colon >= 0 && !domain.endsWith(']') ? domain.slice(0, colon) : domain;
  const port = colon >= 0 && !domain.endsWith(']') ? domain.slice(colon + 1) : undefined;
  const hostOk = /^\[[0-9a-fA-F:.]+\]$/.test(host) || host.split('.').every((c) => DOMAIN_COMPONENT.test(c));
  if (!hostOk) throw bad(text, `registry host ${JSON.stringify(host)} is not a valid host name`);
  if (port !== undefined && !/^[0-9]{1,5}$/.test(port)) throw bad(text, `registry port ${JSON.stringify(port)} must be a number`);
}

/** Parses and normalises a reference; REFERENCE_INVALID names the part that is wrong. */
export function parseReference(text: string): ImageReference {
  if (typeof text !== 'string' || text.length === 0) throw bad(String(text), 'an image reference must not be empty');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad(text, `digest ${JSON.stringify(digest)} must be sha256:<64 lowercase hex digits>`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(text, `tag ${JSON.stringify(tag)} must be 1-128 letters, digits, "_", "." or "-", not starting with "." or "-"`);
  }
  const parts = rest.split('/');
  let domain = DEFAULT_DOMAIN;
  if (parts.length > 1 && isDomain(parts[0]!)) domain = parts.shift()!;
  checkDomain(text, domain);
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && parts.length === 1) parts.unshift('library');
  for (const part of parts) {
    if (!COMPONENT.test(part)) throw bad(text, `repository part ${JSON.stringify(part)} must be lowercase letters and digits, separated by ".", "_", "__" or "-"`);
  }
  const path = parts.join('/');
  if (domain.length + 1 + path.length > 255) throw bad(text, 'the repository name is longer than 255 characters');
  if (!tag && !digest) tag = 'latest';
  return { domain, path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** domain/path, e.g. "docker.io/library/busybox". */
export function repositoryOf(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full normalised text: domain/path[:tag][@digest]. */
export function formatReference(ref: ImageReference): string {
  return `${repositoryOf(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Checks a repository name as the distribution API takes it in a URL (no domain). */
export function isRepositoryName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name.split('/').every((p) => COMPONENT.test(p));
}

export function isTag(tag: string): boolean {
  return TAG.test(tag);
}
