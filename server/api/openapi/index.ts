// The public face of the OpenAPI documents: what /openapi/v2 and /openapi/v3 serve for the catalog.
//
// kubectl validates manifests (`--validate`, on by default) against /openapi/v2, which it downloads as protobuf.
// kubectl 1.27+ first asks /openapi/v3 whether PATCH takes `fieldValidation`; if it does, kubectl leaves
// validation to the server and skips its own. See v3.ts for when to serve v3.
import { createHash } from 'node:crypto';
import type { ResourceType } from '../catalog/types.ts';
import { encodeDocument } from './gnostic.ts';
import { buildSwagger } from './v2.ts';
import { buildOpenApiV3, type OpenApiV3, type OpenApiV3Options } from './v3.ts';

/**
 * The Content-Type to answer a protobuf request with. kubectl asks with
 * `application/com.github.proto-openapi.spec.v2@v1.0+protobuf` but rejects an `@` in the response type.
 */
export const OPENAPI_V2_PROTOBUF_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** True when an Accept header asks for the protobuf form (kubectl, client-go). */
export function wantsOpenApiV2Protobuf(accept: string | undefined): boolean {
  return /application\/com\.github\.proto-openapi\.spec\.v2[@.]v1\.0\+protobuf/.test(accept ?? '');
}

/**
 * The v2 document as JSON and as protobuf. The caller computes it once and caches it.
 * The ETag covers the content of both forms; answer with `Vary: Accept` so caches keep them apart.
 */
export function openApiV2(types: readonly ResourceType[]): { json: object; protobuf: Buffer; etag: string } {
  const json = buildSwagger(types);
  const protobuf = encodeDocument(json);
  const etag = `"${createHash('sha256').update(protobuf).digest('hex').slice(0, 32).toUpperCase()}"`;
  return { json, protobuf, etag };
}

/**
 * The v3 discovery index and one document per group-version, or undefined when v3 should not be served
 * (answer 404: kubectl then falls back to /openapi/v2 for everything). See v3.ts.
 */
export function openApiV3(types: readonly ResourceType[], options: OpenApiV3Options = {}): OpenApiV3 | undefined {
  return buildOpenApiV3(types, options);
}

export type { OpenApiV3, OpenApiV3Options };
