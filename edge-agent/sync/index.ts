// The public face of edge-agent/sync: the node's durable view, its outbox, and the link.
export { openStateDb, type StateDb } from './state-db.ts';
export { openViewCache, type ViewCache } from './view-cache.ts';
export { openOutbox, type Outbox } from './outbox.ts';
export { startAgentSync, type AgentSync, type AgentSyncOptions } from './agent-sync.ts';
