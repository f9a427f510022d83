// Errors in the distribution spec's form: {"errors":[{"code","message","detail"}]}, each
// code with the status the spec gives it. Clients act on the status and the code (skopeo
// treats 404 BLOB_UNKNOWN as "upload it", 401 as "send credentials"), so both are stable.
import type { ServerResponse } from 'node:http';

export const REGISTRY_ERRORS = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  /** Not in the spec's table; what distribution answers when the registry itself failed. */
  UNKNOWN: 500,
} as const;

export type RegistryErrorCode = keyof typeof REGISTRY_ERRORS;

export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  readonly status: number;
  readonly detail: unknown;
  readonly headers: Record<string, string>;

  constructor(code: RegistryErrorCode, message: string, options: { status?: number; detail?: unknown; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'RegistryError';
    this.code = code;
    this.status = options.status ?? REGISTRY_ERRORS[code];
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }
}

export function sendRegistryError(res: ServerResponse, error: RegistryError): void {
  const entry = { code: error.code, message: error.message, ...(error.detail !== undefined && { detail: error.detail }) };
  const text = JSON.stringify({ errors: [entry] });
  res.writeHead(error.status, { ...error.headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
