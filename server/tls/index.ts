export { ensureServingMaterial, type ServingMaterial } from './certificates.ts';
