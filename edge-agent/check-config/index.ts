export { checkConfig, probes } from './run.ts';
export { formatReport } from './format.ts';
export type { FeatureReport, FeatureStatus } from './types.ts';
