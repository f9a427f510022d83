import type { ResourceType } from './catalog/types.ts';
import type { StatusCause } from './objects/types.ts';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/**
 * An API failure that becomes a Kubernetes `Status` object. Reasons and messages follow
 * apimachinery's `errors` package, because kubectl and client libraries key on them.
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Record<string, unknown> {
    const status: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }
}

/** "pods", or "deployments.apps": how apimachinery names a resource in messages. */
export function qualifiedResource(type: ResourceType): string {
  return type.group ? `${type.resource}.${type.group}` : type.resource;
}

function details(type: ResourceType, name: string): StatusDetails {
  const d: StatusDetails = { name, kind: type.resource };
  if (type.group) d.group = type.group;
  return d;
}

export const apiErrors = {
  notFound: (type: ResourceType, name: string) =>
    new ApiError(404, 'NotFound', `${qualifiedResource(type)} "${name}" not found`, details(type, name)),
  alreadyExists: (type: ResourceType, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualifiedResource(type)} "${name}" already exists`, details(type, name)),
  conflict: (type: ResourceType, name: string, why = 'the object has been modified; please apply your changes to the latest version and try again') =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(type)} "${name}": ${why}`, details(type, name)),
  invalid: (type: ResourceType, name: string, causes: StatusCause[]) => {
    const list = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    const summary = causes.length === 1 ? list : `[${list}]`;
    return new ApiError(422, 'Invalid', `${type.kind} "${name}" is invalid: ${summary}`, {
      ...details(type, name),
      kind: type.kind,
      causes,
    });
  },
  badRequest: (message: string, causes?: StatusCause[]) => new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  forbidden: (type: ResourceType, name: string, why: string) =>
    new ApiError(403, 'Forbidden', `${qualifiedResource(type)} "${name}" is forbidden: ${why}`, details(type, name)),
  methodNotAllowed: (verb: string, what: string) => new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${verb} ${what})`),
  unsupportedMediaType: (contentType: string) => new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${contentType})`),
  tooLarge: (limit: number) => new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  serverNotFound: (path: string) => new ApiError(404, 'NotFound', `the server could not find the requested resource (${path})`),
  internal: (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`),
  timeout: (message: string) => new ApiError(504, 'Timeout', message),
};
