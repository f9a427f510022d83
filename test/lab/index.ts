// The multi-node lab for kernel-level tests (DESIGN §9): namespaces on one machine, faults
// on their links, processes inside them, and a sweeper for labs whose test died.
export { createLab } from './lab.ts';
export { sweepLabs } from './sweep.ts';
export { relayArgv, relayListening, RELAY_SCRIPT } from './relay.ts';
export { labUnavailable } from './shell.ts';
export type {
  ExecOptions,
  ExecResult,
  Impairment,
  Lab,
  LabHost,
  LabNetns,
  LabNodeOptions,
  LabOptions,
  LabProcess,
  LabUnderlay,
  PartitionMode,
  PingOptions,
  PingResult,
  Where,
  WireDirection,
  WireStats,
} from './types.ts';
