import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalog } from './catalog/index.ts';
import { OPENAPI_V2_PROTOBUF_TYPE, openApiV2, openApiV3, wantsOpenApiV2Protobuf } from './openapi/index.ts';
import { sendObject } from './http/respond.ts';

/**
 * `/openapi/v2` as protobuf when asked (kubectl's client-side validation) or JSON, and
 * `/openapi/v3` only once the server enforces `fieldValidation=Strict`: kubectl 1.27+ reads
 * v3 to decide whether to leave unknown-field checks to the server, and would otherwise
 * skip them. Both are computed once, since the catalog does not change.
 */
export function openApiRoute(catalog: Catalog) {
  const v2 = openApiV2(catalog.types);
  const v3 = openApiV3(catalog.types);
  return (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (url.pathname === '/openapi/v2') {
      if (wantsOpenApiV2Protobuf(req.headers.accept)) {
        res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF_TYPE, 'Content-Length': v2.protobuf.length, ETag: v2.etag, Vary: 'Accept' });
        res.end(v2.protobuf);
      } else {
        res.setHeader('ETag', v2.etag);
        res.setHeader('Vary', 'Accept');
        sendObject(res, 200, v2.json);
      }
      return true;
    }
    if (!v3) return false;
    if (url.pathname === '/openapi/v3') {
      sendObject(res, 200, v3.index);
      return true;
    }
    const document = v3.documents.get(url.pathname.slice('/openapi/v3/'.length));
    if (!document) return false;
    sendObject(res, 200, document);
    return true;
  };
}
