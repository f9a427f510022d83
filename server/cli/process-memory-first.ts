// Imported first by main.ts: ES modules evaluate in import order, so a daemon verb execs itself
// for MALLOC_ARENA_MAX (process-memory.ts) before the rest of the bundle's modules run.
import { ensureMallocArenaLimit } from './process-memory.ts';

ensureMallocArenaLimit();
