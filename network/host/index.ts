// What the network components share about the host: running its network tools (in a network
// namespace when asked) and IPv4 addresses and CIDRs as numbers.
export { findTool, namespaceName, runTool, toolPath, type RunOptions, type Tool, type ToolResult } from './tools.ts';
export {
  blockSize,
  contains,
  firstHost,
  formatCidr,
  formatIpv4,
  ipv4Mac,
  overlaps,
  parseCidr,
  parseIpv4,
  parsePrefixedAddress,
  subnetOf,
  type Cidr,
  type PrefixedAddress,
} from './ipv4.ts';
