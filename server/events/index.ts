// The public face of server/events: the Events the control plane writes about the objects it
// manages (what `kubectl describe` lists at the end), and their expiry.
export { createEventBroadcaster, discardEvents, referenceTo, type BroadcasterOptions, type EventBroadcaster, type EventRecorder, type EventType, type InvolvedObject } from './recorder.ts';
export { startEventSweeper, type EventSweeper, type SweeperOptions } from './sweeper.ts';
