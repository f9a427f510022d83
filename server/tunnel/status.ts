// A node's Status (the kubelet's words for a failed stream) as the API's error.
import { ApiError, type StatusDetails } from '../api/index.ts';

export function statusError(status: Record<string, unknown>): ApiError {
  const code = typeof status.code === 'number' && status.code >= 400 && status.code < 600 ? status.code : 500;
  const reason = typeof status.reason === 'string' && status.reason ? status.reason : 'InternalError';
  const message = typeof status.message === 'string' ? status.message : 'the node could not open the stream';
  const details = typeof status.details === 'object' && status.details !== null ? (status.details as StatusDetails) : undefined;
  return new ApiError(code, reason, message, details);
}
