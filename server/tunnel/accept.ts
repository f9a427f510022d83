// A node dialling in: its credentials (the join component's check) and the stream id it
// answers, then the call handed to the API request waiting for it. Anything else is refused
// with a gRPC status the node logs.
import * as grpc from '@grpc/grpc-js';
import { componentLogger } from '../../common/index.ts';
import { STREAM_ID_KEY } from '../../common/tunnel/index.ts';
import { credentialsFrom, type Credentials } from '../auth/index.ts';
import { wrapCall, type OpenedStream } from './node-stream.ts';
import type { PendingStreams } from './pending.ts';

const log = componentLogger('tunnel');

type Call = grpc.ServerDuplexStream<Buffer, Buffer>;

export function callAcceptor(pending: PendingStreams<OpenedStream>, authenticateNode: (credentials: Credentials) => Promise<string | undefined>): (call: Call) => Promise<void> {
  return async (call) => {
    const refuse = (code: grpc.status, details: string) => void call.emit('error', { code, details });
    const header = call.metadata.get('authorization')[0];
    const credentials = typeof header === 'string' ? credentialsFrom({ authorization: header }) : undefined;
    const node = credentials ? await authenticateNode(credentials).catch(() => undefined) : undefined;
    if (!node) {
      log.warn({ peer: call.getPeer() }, 'tunnel call refused: no valid node credentials');
      return refuse(grpc.status.UNAUTHENTICATED, 'node credentials required');
    }
    const id = String(call.metadata.get(STREAM_ID_KEY)[0] ?? '');
    const claim = pending.claim(id, node);
    if (!claim.ok) {
      log.info({ node, id, reason: claim.reason }, 'tunnel call refused');
      return refuse(grpc.status.NOT_FOUND, claim.reason);
    }
    // The headers tell the node its stream was accepted: only then does it start the work.
    call.sendMetadata(new grpc.Metadata());
    claim.deliver(wrapCall(call));
  };
}
