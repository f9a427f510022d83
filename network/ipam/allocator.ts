// host-local-style pod addresses: one file per address under <dataDir>/network/ipam, named
// by the address and holding the container id. The file is created with O_EXCL, so the
// filesystem decides who gets an address and no two callers (threads, processes, an agent
// and its restarted self) can ever get the same one. The directory is the whole state: an
// allocator keeps nothing in memory, and a new one over the same directory knows every
// allocation made before.
//
// containers/<id> is a symlink to the container's address: an index, so that finding a
// container's address (idempotent ADD) costs a readlink, not a read of every file. The
// address file stays the truth: an index entry counts only while the file it points to
// still names the container, and release() scans the files, so a crash between creating an
// address file and its index entry costs nothing more than that address until the
// container's DEL.
import fs from 'node:fs';
import path from 'node:path';
import { SkerryError } from '../../common/index.ts';
import { formatIpv4, parseIpv4 } from '../host/index.ts';
import { isPodAddress, parseSubnet, type Subnet } from './subnet.ts';

/** Where the next search starts: after the last address handed out, so a freed one is not reused at once. */
const LAST_RESERVED = 'last-reserved';
const INDEX = 'containers';

// CNI's rule for container ids (libcni ValidateContainerID).
const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface PodAddress {
  address: string;
  prefixLength: number;
  /** address/prefixLength */
  cidr: string;
  gateway: string;
}

export interface AllocatorOptions {
  /** The node's pod CIDR, e.g. 10.42.3.0/24. */
  subnet: string;
  /** The agent's data directory; addresses live in <dataDir>/network/ipam. */
  dataDir: string;
}

export interface Allocator {
  readonly subnet: Subnet;
  readonly dir: string;
  /** The container's address: the one it has already, else a free one. Throws when none is free. */
  allocate(containerId: string): PodAddress;
  /** The container's address in this subnet, if it has one. */
  lookup(containerId: string): PodAddress | undefined;
  /** Frees the container's addresses (only files that still name it); returns them. */
  release(containerId: string): string[];
  /** Every allocation in the directory: address → container id. */
  allocations(): Map<string, string>;
}

/** Thrown by allocate when every pod address of the subnet is taken. */
export class AddressesExhaustedError extends Error {
  readonly code = 'ADDRESSES_EXHAUSTED';
  constructor(subnet: Subnet, dir: string) {
    super(`no free pod address in ${subnet.cidr}: all ${subnet.size - 3} are allocated (see ${dir})`);
    this.name = 'AddressesExhaustedError';
  }
}

export function ipamDir(dataDir: string): string {
  return path.join(dataDir, 'network', 'ipam');
}

export function openAllocator(options: AllocatorOptions): Allocator {
  const subnet = parseSubnet(options.subnet);
  if (typeof options.dataDir !== 'string' || !path.isAbsolute(options.dataDir)) {
    throw new SkerryError('CONFIG_INVALID', `dataDir: must be an absolute path, got ${JSON.stringify(options.dataDir)}`, { field: 'dataDir' });
  }
  const dir = ipamDir(options.dataDir);
  fs.mkdirSync(path.join(dir, INDEX), { recursive: true, mode: 0o700 });
  const podAddress = (address: string): PodAddress => ({ address, prefixLength: subnet.prefixLength, cidr: `${address}/${subnet.prefixLength}`, gateway: subnet.gateway });
  const lookup = (containerId: string) => {
    checkContainerId(containerId);
    const address = indexedAddress(dir, containerId);
    const value = address === undefined ? undefined : parseIpv4(address);
    return value !== undefined && isPodAddress(subnet, value) ? podAddress(address!) : undefined;
  };

  return {
    subnet,
    dir,
    lookup,
    allocate(containerId) {
      const held = lookup(containerId);
      if (held) return held;
      const address = claimFree(dir, subnet, containerId);
      if (!address) throw new AddressesExhaustedError(subnet, dir);
      writeIndex(dir, containerId, address);
      return podAddress(address);
    },
    release(containerId) {
      checkContainerId(containerId);
      const released: string[] = [];
      for (const [address, owner] of readAllocations(dir)) {
        if (owner !== containerId) continue;
        fs.rmSync(path.join(dir, address), { force: true });
        released.push(address);
      }
      fs.rmSync(path.join(dir, INDEX, containerId), { force: true });
      return released;
    },
    allocations: () => readAllocations(dir),
  };
}

/** The address the index names for the container, if its file still names the container. */
function indexedAddress(dir: string, containerId: string): string | undefined {
  let address: string;
  try {
    address = fs.readlinkSync(path.join(dir, INDEX, containerId));
  } catch {
    return undefined;
  }
  if (parseIpv4(address) === undefined) return undefined;
  try {
    return fs.readFileSync(path.join(dir, address), 'utf8').trim() === containerId ? address : undefined;
  } catch {
    return undefined;
  }
}

/** Points containers/<id> at the address, replacing a stale entry. */
function writeIndex(dir: string, containerId: string, address: string): void {
  const entry = path.join(dir, INDEX, containerId);
  try {
    fs.symlinkSync(address, entry);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    fs.rmSync(entry, { force: true });
    fs.symlinkSync(address, entry);
  }
}

function checkContainerId(containerId: string): void {
  if (typeof containerId !== 'string' || !CONTAINER_ID.test(containerId)) {
    throw new SkerryError('CONFIG_INVALID', `containerId: ${JSON.stringify(containerId)} must start with a letter or digit and hold only letters, digits, _ . -`, { field: 'containerId' });
  }
}

/** address → container id, for every address file. A file still being written reads as "". */
function readAllocations(dir: string): Map<string, string> {
  const held = new Map<string, string>();
  for (const name of fs.readdirSync(dir)) {
    if (parseIpv4(name) === undefined) continue;
    try {
      held.set(name, fs.readFileSync(path.join(dir, name), 'utf8').trim());
    } catch (error) {
      // Released between the listing and the read: not held any more.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return held;
}

/**
 * Creates the file of the first free address after the last one handed out; undefined when
 * none is free. No listing first: O_EXCL says which are taken, and after the last address
 * handed out the next one is nearly always free.
 */
function claimFree(dir: string, subnet: Subnet, containerId: string): string | undefined {
  const hosts = subnet.size - 3;
  const start = startOffset(dir, subnet);
  for (let i = 0; i < hosts; i++) {
    const address = formatIpv4(subnet.network + 2 + ((start + i) % hosts));
    if (!createExclusive(path.join(dir, address), containerId)) continue;
    writeLastReserved(dir, address);
    return address;
  }
  return undefined;
}

/** The host offset (0 = network + 2) to start searching at. */
function startOffset(dir: string, subnet: Subnet): number {
  let last: number | undefined;
  try {
    last = parseIpv4(fs.readFileSync(path.join(dir, LAST_RESERVED), 'utf8').trim());
  } catch {
    // Never written (a fresh directory): start at the beginning.
  }
  return last !== undefined && isPodAddress(subnet, last) ? last - subnet.network - 1 : 0;
}

/** True when this call made the file; false when it exists (someone else's address). */
function createExclusive(file: string, containerId: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.writeSync(fd, containerId);
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  return true;
}

// Only a hint for where to search next: a torn write reads as garbage and is ignored.
function writeLastReserved(dir: string, address: string): void {
  fs.writeFileSync(path.join(dir, LAST_RESERVED), address, { mode: 0o600 });
}
