// Pod addresses on one node: a host-local-style allocator over the node's pod CIDR.
export { AddressesExhaustedError, ipamDir, openAllocator, type Allocator, type AllocatorOptions, type PodAddress } from './allocator.ts';
export { isPodAddress, parseSubnet, type Subnet } from './subnet.ts';
// A Subnet's network and isPodAddress speak in numbers: the conversions come with them.
export { formatIpv4, parseIpv4 } from '../host/index.ts';
