// The public face of common/sync: the protocol between server and agents (DESIGN §5),
// shared by both sides so the two cannot drift apart.
export * from './topics.ts';
export * from './messages.ts';
export { decodeDown, decodeHead, decodePresence, decodeUp, encodeMessage, MAX_MESSAGE_BYTES, MessageError } from './codec.ts';
export { DERIVED_VIEW_RESOURCES, parseViewKey, viewKey, VIEW_RESOURCES, type ViewResource } from './view-keys.ts';
export { backoffDelay } from './backoff.ts';
export { connectLink, type LinkOptions } from './link.ts';
