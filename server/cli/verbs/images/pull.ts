import fs from 'node:fs';
import { openImageStore, pullImage } from '../../../../edge-agent/index.ts';
import { oci, SkerryError } from '../../../../common/index.ts';
import { parseFlags } from '../../verb.ts';
import { DATA_DIR_FLAG, dataDirOf, humanSize, onePositional, type SubVerb } from './common.ts';

function credentials(text: unknown): { username: string; password: string } | undefined {
  if (text === undefined) return undefined;
  const value = String(text);
  const colon = value.indexOf(':');
  if (colon <= 0) throw new SkerryError('USAGE', '--creds must be USER:PASSWORD');
  return { username: value.slice(0, colon), password: value.slice(colon + 1) };
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    ...DATA_DIR_FLAG,
    platform: { type: 'string' },
    creds: { type: 'string' },
    insecure: { type: 'boolean' },
    'tls-verify': { type: 'string' },
    ca: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  }, true);
  if (values.help) return process.stdout.write(usage), 0;
  const ref = onePositional(positionals, 'image reference');
  const tlsVerify = values['tls-verify'];
  if (tlsVerify !== undefined && tlsVerify !== 'true' && tlsVerify !== 'false') throw new SkerryError('USAGE', `--tls-verify must be true or false, got ${JSON.stringify(tlsVerify)}`);
  let ca: Buffer | undefined;
  if (values.ca !== undefined) {
    try {
      ca = fs.readFileSync(values.ca as string);
    } catch (error) {
      throw new SkerryError('USAGE', `--ca ${values.ca as string}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  const store = openImageStore(dataDirOf(values));
  const started = performance.now();
  const pulled = await pullImage(ref, {
    store: store.content,
    ...(values.platform !== undefined && { platform: oci.parsePlatform(values.platform as string) }),
    ...(credentials(values.creds) && { auth: credentials(values.creds) }),
    insecure: values.insecure === true,
    ...(tlsVerify !== undefined && { tlsVerify: tlsVerify === 'true' }),
    ...(ca && { ca }),
  });
  const parsed = oci.parseReference(ref);
  const image = await store.commit({
    ...(parsed.tag !== undefined && { name: oci.formatReference({ ...parsed, digest: undefined }) }),
    manifestDigest: pulled.manifestDigest,
    ...(pulled.indexDigest !== undefined && { indexDigest: pulled.indexDigest }),
  });
  if (!values.quiet) {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`${pulled.reference}: ${oci.formatPlatform(pulled.platform)} ${image.manifestDigest}, ${image.layers.length} layers, ${humanSize(pulled.bytesFetched)} fetched in ${seconds} s\n`);
  }
  return 0;
}

const usage = `Usage: skerry images pull [--data-dir DIR] [--platform OS/ARCH[/VARIANT]] [--creds USER:PASSWORD]
                          [--insecure] [--tls-verify=false] [--ca FILE] REF

Pulls an image from a registry (OCI distribution API) and unpacks its layers, so a container
can start from it at once. A cut download resumes where it stopped. --insecure: plain HTTP.
`;

export const pullVerb: SubVerb = { name: 'pull', summary: 'pull an image from a registry', usage, run };
