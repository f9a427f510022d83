import test from 'ava';
import type { StatusCause } from '../objects/types.ts';
import { networkPolicy, stored, type Manifest } from './fixtures.test-helper.ts';
import { validateCreate, validateUpdate } from './index.ts';

/** The policy's spec replaced by `spec`, with the docs manifest's metadata. */
function withSpec(spec: Record<string, unknown>): Manifest {
  const np = networkPolicy();
  np.spec = spec;
  return np;
}

const ingressFrom = (...from: unknown[]): Manifest => withSpec({ podSelector: {}, ingress: [{ from }] });
const ingressPorts = (...ports: unknown[]): Manifest => withSpec({ podSelector: {}, ingress: [{ ports }] });

const invalid = (field: string, message: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message });

test('valid policies: empty selectors, combined peers, ranges, named ports, SCTP, IPv6 blocks', (t) => {
  const np = withSpec({
    podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['db', 'cache'] }] },
    policyTypes: ['Egress', 'Ingress'],
    ingress: [
      { from: [{ namespaceSelector: { matchLabels: { team: 'a' } }, podSelector: { matchExpressions: [{ key: 'role', operator: 'Exists' }] } }] },
      { ports: [{ port: 'metrics' }, { protocol: 'SCTP', port: 9000, endPort: 9010 }, { protocol: 'UDP' }] },
      {},
    ],
    egress: [{ to: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } }, { namespaceSelector: {} }] }],
  });
  t.deepEqual(validateCreate('NetworkPolicy', np), []);
});

test('an invalid CIDR and a missing one name the ipBlock field', (t) => {
  const causes = validateCreate('NetworkPolicy', ingressFrom({ ipBlock: { cidr: '10.0.0.0/33' } }, { ipBlock: { cidr: '' } }, { ipBlock: { cidr: '10.0.0.1' } }));
  t.deepEqual(causes, [
    invalid('spec.ingress[0].from[0].ipBlock.cidr', 'Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'),
    { reason: 'FieldValueRequired', field: 'spec.ingress[0].from[1].ipBlock.cidr', message: 'Required value' },
    invalid('spec.ingress[0].from[2].ipBlock.cidr', 'Invalid value: "10.0.0.1": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'),
  ]);
});

test('except must lie strictly inside cidr: outside, equal, broader and other-family excepts are refused', (t) => {
  const np = withSpec({
    podSelector: {},
    egress: [{ to: [{ ipBlock: { cidr: '172.17.0.0/16', except: ['10.0.0.0/8', '172.17.0.0/16', '172.16.0.0/12', '::/0', '172.17.0.0/99', '172.17.3.0/24'] } }] }],
  });
  const at = 'spec.egress[0].to[0].ipBlock.except';
  t.deepEqual(validateCreate('NetworkPolicy', np), [
    invalid(`${at}[0]`, 'Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`'),
    invalid(`${at}[1]`, 'Invalid value: "172.17.0.0/16": must be a strict subset of `cidr`'),
    invalid(`${at}[2]`, 'Invalid value: "172.16.0.0/12": must be a strict subset of `cidr`'),
    invalid(`${at}[3]`, 'Invalid value: "::/0": must be a strict subset of `cidr`'),
    invalid(`${at}[4]`, 'Invalid value: "172.17.0.0/99": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'),
  ]);
});

test('an except is not checked against a cidr that did not parse', (t) => {
  const causes = validateCreate('NetworkPolicy', ingressFrom({ ipBlock: { cidr: 'nonsense', except: ['10.0.0.0/8'] } }));
  t.deepEqual(
    causes.map((c) => c.field),
    ['spec.ingress[0].from[0].ipBlock.cidr'],
  );
});

test('ipBlock may not be combined with a selector in one peer; a peer must name something', (t) => {
  const causes = validateCreate(
    'NetworkPolicy',
    ingressFrom({ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8' }, namespaceSelector: { matchLabels: { a: 'b' } } }, {}, { podSelector: {}, namespaceSelector: {} }),
  );
  t.deepEqual(causes, [
    { reason: 'FieldValueForbidden', field: 'spec.ingress[0].from[0]', message: 'Forbidden: may not specify both ipBlock and another peer' },
    { reason: 'FieldValueForbidden', field: 'spec.ingress[0].from[1]', message: 'Forbidden: may not specify both ipBlock and another peer' },
    { reason: 'FieldValueRequired', field: 'spec.ingress[0].from[2]', message: 'Required value: must specify a peer' },
  ]);
});

test('port names follow IANA_SVC_NAME rules', (t) => {
  const causes = validateCreate('NetworkPolicy', ingressPorts({ port: 'Http' }, { port: 'a-very-long-port-name' }, { port: '8080' }, { port: 'web--ui' }));
  const at = 'spec.ingress[0].ports';
  t.deepEqual(causes, [
    invalid(`${at}[0].port`, 'Invalid value: "Http": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'),
    invalid(`${at}[1].port`, 'Invalid value: "a-very-long-port-name": must be no more than 15 characters'),
    invalid(`${at}[2].port`, 'Invalid value: "8080": must contain at least one letter (a-z)'),
    invalid(`${at}[3].port`, 'Invalid value: "web--ui": must not contain consecutive hyphens'),
  ]);
});

test('endPort needs a numeric port no larger than itself, and both must be valid port numbers', (t) => {
  const causes = validateCreate(
    'NetworkPolicy',
    ingressPorts({ endPort: 90 }, { port: 'http', endPort: 90 }, { port: 100, endPort: 90 }, { port: 0 }, { port: 80, endPort: 70000 }, { port: 80, endPort: 80 }),
  );
  const at = 'spec.ingress[0].ports';
  t.deepEqual(causes, [
    invalid(`${at}[0].endPort`, 'Invalid value: 90: may not be specified when `port` is not specified'),
    invalid(`${at}[1].endPort`, 'Invalid value: 90: may not be specified when `port` is non-numeric'),
    invalid(`${at}[2].endPort`, 'Invalid value: 90: must be greater than or equal to `port`'),
    invalid(`${at}[3].port`, 'Invalid value: 0: must be between 1 and 65535, inclusive'),
    invalid(`${at}[4].endPort`, 'Invalid value: 70000: must be between 1 and 65535, inclusive'),
  ]);
});

test('protocol must be TCP, UDP or SCTP', (t) => {
  const causes = validateCreate('NetworkPolicy', withSpec({ podSelector: {}, egress: [{ ports: [{ protocol: 'ICMP', port: 80 }, { protocol: 'tcp' }] }] }));
  t.deepEqual(causes, [
    { reason: 'FieldValueNotSupported', field: 'spec.egress[0].ports[0].protocol', message: 'Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"' },
    { reason: 'FieldValueNotSupported', field: 'spec.egress[0].ports[1].protocol', message: 'Unsupported value: "tcp": supported values: "TCP", "UDP", "SCTP"' },
  ]);
});

test('policyTypes: only Ingress and Egress, at most two', (t) => {
  t.deepEqual(validateCreate('NetworkPolicy', withSpec({ podSelector: {}, policyTypes: ['Ingress', 'egress'] })), [
    { reason: 'FieldValueNotSupported', field: 'spec.policyTypes[1]', message: 'Unsupported value: "egress": supported values: "Ingress", "Egress"' },
  ]);
  t.deepEqual(validateCreate('NetworkPolicy', withSpec({ podSelector: {}, policyTypes: ['Ingress', 'Egress', 'Ingress'] })), [
    invalid('spec.policyTypes', 'Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes'),
  ]);
});

test('label selector errors in spec.podSelector and in peers name the selector field', (t) => {
  const np = withSpec({
    podSelector: { matchExpressions: [{ key: 'tier', operator: 'Equals', values: ['db'] }] },
    ingress: [
      {
        from: [
          { podSelector: { matchExpressions: [{ key: 'role', operator: 'In' }] } },
          { namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists', values: ['a'] }] } },
          { namespaceSelector: { matchLabels: { 'bad key!': 'x', team: 'not valid!' } } },
        ],
      },
    ],
  });
  t.deepEqual(validateCreate('NetworkPolicy', np), [
    invalid('spec.podSelector.matchExpressions[0].operator', 'Invalid value: "Equals": not a valid selector operator'),
    { reason: 'FieldValueRequired', field: 'spec.ingress[0].from[0].podSelector.matchExpressions[0].values', message: "Required value: must be specified when `operator` is 'In' or 'NotIn'" },
    {
      reason: 'FieldValueForbidden',
      field: 'spec.ingress[0].from[1].namespaceSelector.matchExpressions[0].values',
      message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    },
    invalid(
      'spec.ingress[0].from[2].namespaceSelector.matchLabels',
      "Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ),
    invalid(
      'spec.ingress[0].from[2].namespaceSelector.matchLabels',
      "Invalid value: \"not valid!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ),
  ]);
});

test('wrongly typed fields are reported at their path, not thrown', (t) => {
  const np = withSpec({ podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: 10 } }], ports: [{ port: 1.5 }] }], egress: 'all' });
  t.deepEqual(
    validateCreate('NetworkPolicy', np).map((c) => [c.field, c.reason]),
    [
      ['spec.ingress[0].ports[0].port', 'FieldValueTypeInvalid'],
      ['spec.ingress[0].from[0].ipBlock.cidr', 'FieldValueTypeInvalid'],
      ['spec.egress', 'FieldValueTypeInvalid'],
    ],
  );
});

test('an update is validated as a create', (t) => {
  const old = stored('NetworkPolicy', networkPolicy());
  const next = stored('NetworkPolicy', networkPolicy());
  next.spec.ingress[0].from[0].ipBlock.except = ['10.0.0.0/8'];
  t.deepEqual(validateUpdate('NetworkPolicy', next, old), [
    invalid('spec.ingress[0].from[0].ipBlock.except[0]', 'Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`'),
  ]);
});
