// What every endpoint handler gets: the request, who sent it, and the registry's stores.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../common/index.ts';
import type { ContentStore } from '../../storage/content/index.ts';
import type { Principal } from '../auth/index.ts';
import type { RegistryMetadata } from './metadata.ts';

export interface RegistryStores {
  meta: RegistryMetadata;
  /** Blob and manifest bytes by digest, under <data-dir>/registry. */
  blobs: ContentStore;
  log: Logger;
}

export interface RegistryRequest extends RegistryStores {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  principal: Principal;
}

/** Answers with no body; HEAD and 201/202/204 answers all end here. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { ...headers, 'Content-Length': 0 });
  res.end();
}
