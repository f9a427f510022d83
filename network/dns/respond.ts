// One DNS message in, one out: names in the cluster domain are answered from the zone,
// everything else is forwarded. Malformed or unsupported queries get the standard error
// codes (FORMERR, NOTIMP), never silence, unless not even a header can be read.
import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer, Packet } from 'dns-packet';
import type { Logger } from '../../common/index.ts';
import { answerLocal, inZone } from './answer.ts';
import { forwardQuery, type Transport } from './forward.ts';
import type { Upstream } from './upstreams.ts';
import type { ClusterZone } from './zone.ts';

export interface RespondContext {
  zone: () => ClusterZone;
  upstreams: Upstream[];
  forwardTimeoutMs: number;
  log: Logger;
}

const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4 } as const;
type Rcode = keyof typeof RCODES;
const UDP_DEFAULT = 512;
const UDP_MAX = 4096;
// Our own EDNS record, sent back to clients that sent one (RFC 6891).
const OPT: OptAnswer = { type: 'OPT', name: '.', udpPayloadSize: UDP_MAX, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };

/** Header-only reply (no question) for a query that could not be decoded. */
function headerOnly(query: Buffer, rcode: Rcode): Buffer {
  const reply = Buffer.alloc(12);
  reply.writeUInt16BE(query.readUInt16BE(0), 0);
  reply.writeUInt16BE(0x8000 | (query.readUInt16BE(2) & 0x7900) | RCODES[rcode], 2);
  return reply;
}

function flags(query: DecodedPacket, rcode: Rcode, authoritative: boolean): number {
  return (authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | RCODES[rcode];
}

function optOf(query: DecodedPacket): OptAnswer | undefined {
  return (query.additionals ?? []).find((record): record is OptAnswer => record.type === 'OPT');
}

/** The reply; over UDP cut to the client's size (512 or its EDNS size) with TC set, so it retries over TCP. */
function encodeReply(query: DecodedPacket, reply: Packet, transport: Transport): Buffer {
  const opt = optOf(query);
  const withOpt: Packet = opt ? { ...reply, additionals: [...(reply.additionals ?? []), OPT] } : reply;
  const encoded = dnsPacket.encode(withOpt);
  const limit = transport === 'tcp' ? 65535 : Math.min(UDP_MAX, Math.max(UDP_DEFAULT, opt?.udpPayloadSize ?? UDP_DEFAULT));
  if (encoded.length <= limit) return encoded;
  return dnsPacket.encode({ ...reply, flags: (reply.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: [] });
}

function reply(query: DecodedPacket, rcode: Rcode, sections: { answers?: Answer[]; authorities?: Answer[]; additionals?: Answer[] } = {}, authoritative = false): Packet {
  return { type: 'response', id: query.id, flags: flags(query, rcode, authoritative), questions: query.questions ?? [], answers: sections.answers ?? [], authorities: sections.authorities ?? [], additionals: sections.additionals ?? [] };
}

/** The reply to one query message, or undefined when it is not worth one (not a query, no header). */
export async function respond(message: Buffer, transport: Transport, context: RespondContext): Promise<Buffer | undefined> {
  if (message.length < 12 || (message[2]! & 0x80) !== 0) return undefined;
  let query: DecodedPacket & { opcode?: string };
  try {
    query = dnsPacket.decode(message) as DecodedPacket & { opcode?: string };
  } catch {
    return headerOnly(message, 'FORMERR');
  }
  if (query.opcode !== 'QUERY') return encodeReply(query, reply(query, 'NOTIMP'), transport);
  const question = query.questions?.[0];
  if (!question || query.questions!.length !== 1) return encodeReply(query, reply(query, 'FORMERR'), transport);
  const zone = context.zone();
  const name = question.name.toLowerCase().replace(/\.$/, '');
  if ((question.class ?? 'IN') === 'IN' && inZone(zone, name)) {
    const local = answerLocal(zone, question.name, question.type);
    return encodeReply(query, reply(query, local.rcode, local, true), transport);
  }
  const forwarded = await forwardQuery(message, context.upstreams, transport, context.forwardTimeoutMs, context.log);
  return forwarded ?? encodeReply(query, reply(query, 'SERVFAIL'), transport);
}
