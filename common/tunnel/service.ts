// The tunnel's one gRPC method, described without a .proto file: every message is a frame
// (frames.ts) passed as raw bytes, so neither side needs generated code or protobuf.
import type { ServiceDefinition } from '@grpc/grpc-js';

export const TUNNEL_METHOD = '/skerry.tunnel.v1.Tunnel/Stream';

/** Call metadata: the stream the node answers (from the MQTT stream request). */
export const STREAM_ID_KEY = 'x-skerry-stream';

const raw = (bytes: Buffer) => bytes;

export const TUNNEL_SERVICE: ServiceDefinition = {
  stream: {
    path: TUNNEL_METHOD,
    requestStream: true,
    responseStream: true,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
    originalName: 'Stream',
  },
};

/** Node credentials as HTTP Basic, the form the join component's authenticateNode reads. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Keep-alives on both ends: a tunnel cut without a FIN is noticed in about 15 s, not hours. */
export const TUNNEL_KEEPALIVE = {
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
} as const;
