// Pod addresses on one node: a host-local-style allocator over the node's pod CIDR.
export { AddressesExhaustedError, ipamDir, openAllocator, type Allocator, type AllocatorOptions, type PodAddress } from './allocator.ts';
export { formatIpv4, isPodAddress, parseIpv4, parseSubnet, type Subnet } from './ipv4.ts';
