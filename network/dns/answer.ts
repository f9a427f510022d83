// Answers for names inside the cluster domain, from the zone alone (no network: this is
// what keeps discovery working while the node is cut off). NXDOMAIN for names that do not
// exist, so a resolver walking its search list moves on to the next domain; NOERROR with no
// answer (NODATA) for names that exist without records of the asked type, such as AAAA of a
// service; both with the zone's SOA, whose minimum TTL bounds negative caching.
import type { Answer, RecordType, SoaAnswer } from 'dns-packet';
import type { ClusterZone, NameRecords } from './zone.ts';

export const TTL = 5;

export interface LocalAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** Whether `name` (lower case, no trailing dot) is the cluster domain or below it. */
export function inZone(zone: ClusterZone, name: string): boolean {
  return name === zone.domain || name.endsWith(`.${zone.domain}`);
}

export function soa(zone: ClusterZone): SoaAnswer {
  const data = { mname: `ns.dns.${zone.domain}`, rname: `hostmaster.${zone.domain}`, serial: zone.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: TTL };
  return { type: 'SOA', name: zone.domain, ttl: TTL, class: 'IN', data };
}

/** `<a-b-c-d>.<ns>.pod.<domain>` answers with a.b.c.d (CoreDNS's `pods insecure`); `<ns>.pod.<domain>` exists for known namespaces. */
function podRecords(zone: ClusterZone, name: string): NameRecords | undefined {
  const suffix = `.pod.${zone.domain}`;
  if (!name.endsWith(suffix)) return undefined;
  const labels = name.slice(0, -suffix.length).split('.');
  if (labels.length === 1) return zone.namespaces.has(labels[0]!) ? { a: [], srv: [] } : undefined;
  const octets = labels.length === 2 ? /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/.exec(labels[0]!) : null;
  if (!octets || octets.slice(1).some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0')))) return undefined;
  return { a: [octets.slice(1).join('.')], srv: [] };
}

function recordsOf(zone: ClusterZone, name: string): NameRecords | undefined {
  return zone.names.get(name) ?? podRecords(zone, name);
}

const a = (name: string, ip: string): Answer => ({ type: 'A', name, ttl: TTL, class: 'IN', data: ip });

function answersFor(zone: ClusterZone, asked: string, type: RecordType, records: NameRecords): { answers: Answer[]; additionals: Answer[] } {
  if (records.cname) return { answers: [{ type: 'CNAME', name: asked, ttl: TTL, class: 'IN', data: records.cname }], additionals: [] };
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  if (type === 'A' || type === 'ANY' as RecordType) answers.push(...records.a.map((ip) => a(asked, ip)));
  if (type === 'SRV' || type === 'ANY' as RecordType) {
    for (const srv of records.srv) {
      answers.push({ type: 'SRV', name: asked, ttl: TTL, class: 'IN', data: { priority: 0, weight: Math.floor(100 / records.srv.length), port: srv.port, target: srv.target } });
      additionals.push(...(zone.names.get(srv.target)?.a ?? []).map((ip) => a(srv.target, ip)));
    }
  }
  if (type === 'SOA' && asked.toLowerCase().replace(/\.$/, '') === zone.domain) answers.push({ ...soa(zone), name: asked });
  return { answers, additionals };
}

/** The answer for one question about a name in the zone; `asked` keeps the case it came in. */
export function answerLocal(zone: ClusterZone, asked: string, type: RecordType): LocalAnswer {
  const name = asked.toLowerCase().replace(/\.$/, '');
  const records = recordsOf(zone, name);
  if (!records) return { rcode: 'NXDOMAIN', answers: [], authorities: [soa(zone)], additionals: [] };
  const { answers, additionals } = answersFor(zone, asked, type, records);
  return { rcode: 'NOERROR', answers, authorities: answers.length === 0 ? [soa(zone)] : [], additionals };
}
