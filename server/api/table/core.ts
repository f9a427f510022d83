// The small core/v1 kinds: Namespace, ConfigMap, Secret, ServiceAccount.
import { ageColumn, column, nameColumn } from './columns.ts';
import { coreDocs } from './descriptions.ts';
import { since } from './duration.ts';
import { arr, keyCount, obj, str } from './fields.ts';
import type { Printer } from './printer.ts';

export const namespacePrinter: Printer = {
  columns: [nameColumn, column('Status', 'string', coreDocs.namespaceStatus), ageColumn],
  cells(namespace, { now }) {
    return [str(namespace.metadata.name), str(obj(namespace.status).phase), since(namespace.metadata.creationTimestamp, now)];
  },
};

export const configMapPrinter: Printer = {
  columns: [nameColumn, column('Data', 'string', coreDocs.configMapData), ageColumn],
  cells(configMap, { now }) {
    // DATA counts text and binary keys alike.
    const count = keyCount(configMap.data) + keyCount(configMap.binaryData);
    return [str(configMap.metadata.name), count, since(configMap.metadata.creationTimestamp, now)];
  },
};

export const secretPrinter: Printer = {
  columns: [nameColumn, column('Type', 'string', coreDocs.secretType), column('Data', 'string', coreDocs.secretData), ageColumn],
  cells(secret, { now }) {
    return [str(secret.metadata.name), str(secret.type), keyCount(secret.data), since(secret.metadata.creationTimestamp, now)];
  },
};

export const serviceAccountPrinter: Printer = {
  columns: [nameColumn, column('Secrets', 'string', coreDocs.serviceAccountSecrets), ageColumn],
  cells(account, { now }) {
    return [str(account.metadata.name), arr(account.secrets).length, since(account.metadata.creationTimestamp, now)];
  },
};
