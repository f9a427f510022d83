// Request bodies: manifests are read whole under a size limit; blob bytes stream straight
// into the content store's upload, so a large layer never sits in memory and a cut
// request keeps what arrived (the client asks for the upload's Range and resumes).
import type { IncomingMessage } from 'node:http';
import type { Ingest } from '../../storage/content/index.ts';
import { RegistryError } from './errors.ts';

/** The spec asks registries to take manifests of at least 4 MiB. */
export const MANIFEST_LIMIT = 4 << 20;

/** A push that sends nothing for this long is given up; its bytes so far stay for a resume. */
const IDLE_MS = 120_000;

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): RegistryError {
  return new RegistryError('SIZE_INVALID', `the body is larger than the ${limit} bytes this endpoint takes`, { status: 413 });
}

/** Appends the request body to an upload; returns how many bytes it added. */
export async function streamInto(req: IncomingMessage, ingest: Ingest): Promise<number> {
  let written = 0;
  const socket = req.socket;
  const onIdle = () => req.destroy(new Error(`no data for ${IDLE_MS / 1000} s`));
  socket.setTimeout(IDLE_MS);
  socket.on('timeout', onIdle);
  try {
    for await (const chunk of req) {
      await ingest.write(chunk as Buffer);
      written += (chunk as Buffer).length;
    }
  } finally {
    // The socket may carry further requests on keep-alive; they get the server's defaults.
    socket.setTimeout(0);
    socket.off('timeout', onIdle);
  }
  return written;
}
