// The public face of edge-agent/node-status: the node's registration, status and heartbeat.
export { leaseReport, nodeReport, type NodeFacts } from './node-report.ts';
export { startHeartbeat, type Heartbeat } from './heartbeat.ts';
