import { verbGroup } from '../verb.ts';
import { buildVerb } from './images/build.ts';
import { importVerb } from './images/import.ts';
import { lsVerb } from './images/ls.ts';
import { pruneVerb } from './images/prune.ts';
import { pullVerb } from './images/pull.ts';
import { rmVerb } from './images/rm.ts';

export const imagesVerb = verbGroup(
  'images',
  'import, pull, build, list and remove images',
  "Manages the images of this node (in <data-dir>/images; --data-dir defaults to /var/lib/skerry/agent).",
  [importVerb, pullVerb, buildVerb, lsVerb, rmVerb, pruneVerb],
);
