// Imported first by main.ts: ES modules evaluate in import order, so the C heap is tuned
// (process-memory.ts) before the rest of the bundle's modules run and allocate.
import { limitHeapRetention } from './process-memory.ts';

limitHeapRetention();
