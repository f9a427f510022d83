export { checkConfig, formatReport, probes, type FeatureReport, type FeatureStatus } from './check-config/index.ts';
