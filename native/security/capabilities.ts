// Linux capabilities by name and as the bit masks capset(2) and PR_CAPBSET_DROP work with.
import { SkerryError } from '../../common/index.ts';

/** Capability numbers as linux/capability.h defines them. */
export const CAPABILITIES: Readonly<Record<string, number>> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
};

/** Docker's default set, what a container gets when its spec names none (mask 0xa80425fb). */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/**
 * The mask with bit n set for each named capability. `field` is where the names came from
 * (e.g. `process.capabilities.bounding`), so a typo is reported where the user wrote it.
 */
export function capabilityMask(names: readonly string[], field: string): bigint {
  let mask = 0n;
  names.forEach((name, i) => {
    const bit = Object.hasOwn(CAPABILITIES, name) ? CAPABILITIES[name] : undefined;
    if (bit === undefined) {
      throw new SkerryError('CONFIG_INVALID', `${field}[${i}] names an unknown capability ${JSON.stringify(name)}`, { field: `${field}[${i}]`, name });
    }
    mask |= 1n << BigInt(bit);
  });
  return mask;
}

/** The names of the capabilities in a mask, lowest bit first; bits above the table are ignored. */
export function capabilityNames(mask: bigint): string[] {
  return Object.entries(CAPABILITIES).filter(([, bit]) => (mask >> BigInt(bit)) & 1n).map(([name]) => name);
}
