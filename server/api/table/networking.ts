// networking.k8s.io NetworkPolicy and coordination.k8s.io Lease: one extra column each.
import { ageColumn, column, nameColumn } from './columns.ts';
import { miscDocs } from './descriptions.ts';
import { since } from './duration.ts';
import { obj, str } from './fields.ts';
import { formatLabelSelector } from './format.ts';
import type { Printer } from './printer.ts';

export const networkPolicyPrinter: Printer = {
  columns: [nameColumn, column('Pod-Selector', 'string', miscDocs.podSelector), ageColumn],
  cells(policy, { now }) {
    // The selector is a value, not a pointer: an absent one is the empty selector, "<none>".
    return [str(policy.metadata.name), formatLabelSelector(obj(policy.spec).podSelector ?? {}), since(policy.metadata.creationTimestamp, now)];
  },
};

export const leasePrinter: Printer = {
  columns: [nameColumn, column('Holder', 'string', miscDocs.holderIdentity), ageColumn],
  cells(lease, { now }) {
    return [str(lease.metadata.name), str(obj(lease.spec).holderIdentity), since(lease.metadata.creationTimestamp, now)];
  },
};
