import type { ServerResponse } from 'node:http';
import { ApiError, apiErrors } from '../errors.ts';

export function sendObject(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

export function sendError(res: ServerResponse, error: unknown): void {
  const failure = error instanceof ApiError ? error : apiErrors.internal(error instanceof Error ? error.message : String(error));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendObject(res, failure.code, failure.toStatus());
}

export function successStatus(details: Record<string, unknown>): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}
