// rbac.authorization.k8s.io: RoleBinding and ClusterRoleBinding have printers; Role and
// ClusterRole have none in kube-apiserver and get its default convertor (see generic.ts).
import { ageColumn, column, nameColumn, wide } from './columns.ts';
import { miscDocs } from './descriptions.ts';
import { since } from './duration.ts';
import { obj, objs, str } from './fields.ts';
import type { Printer } from './printer.ts';

function bindingPrinter(scope: 'roleBinding' | 'clusterRoleBinding', roleRefDoc: string): Printer {
  return {
    columns: [
      nameColumn,
      column('Role', 'string', roleRefDoc),
      ageColumn,
      wide('Users', 'string', `Users in the ${scope}`),
      wide('Groups', 'string', `Groups in the ${scope}`),
      wide('ServiceAccounts', 'string', `ServiceAccounts in the ${scope}`),
    ],
    cells(binding, { now }) {
      const roleRef = obj(binding.roleRef);
      const subjects = subjectsByKind(binding.subjects);
      return [
        str(binding.metadata.name),
        `${str(roleRef.kind)}/${str(roleRef.name)}`,
        since(binding.metadata.creationTimestamp, now),
        subjects.users.join(', '),
        subjects.groups.join(', '),
        subjects.serviceAccounts.join(', '),
      ];
    },
  };
}

export const roleBindingPrinter = bindingPrinter('roleBinding', miscDocs.roleBindingRoleRef);
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding', miscDocs.clusterRoleBindingRoleRef);

/** Users and groups by name, service accounts as namespace/name; other kinds are not shown. */
function subjectsByKind(value: unknown): { users: string[]; groups: string[]; serviceAccounts: string[] } {
  const out = { users: [] as string[], groups: [] as string[], serviceAccounts: [] as string[] };
  for (const subject of objs(value)) {
    const kind = str(subject.kind);
    if (kind === 'User') out.users.push(str(subject.name));
    else if (kind === 'Group') out.groups.push(str(subject.name));
    else if (kind === 'ServiceAccount') out.serviceAccounts.push(`${str(subject.namespace)}/${str(subject.name)}`);
  }
  return out;
}
