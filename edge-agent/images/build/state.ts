// What a build has so far: the image config being edited, the layers written, the history,
// and what the instructions need to know (escape character, WORKDIR, the base image).
import { oci } from '../../../common/index.ts';
import type { ContentStore } from '../../../storage/content/index.ts';
import type { ImageStore } from '../store/types.ts';
import type { BaseImage } from './base.ts';

/** The runtime part of an image config ("config" in image-spec config.md), as Docker names it. */
export type RunConfig = NonNullable<oci.ImageConfig['config']> & Record<string, unknown>;

export interface HistoryEntry {
  created: string;
  created_by: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface BuildState {
  store: ImageStore;
  content: ContentStore;
  /** The build directory: COPY sources come from here. */
  dir: string;
  escape: string;
  /** Fixed time for entries and history (SOURCE_DATE_EPOCH or the epoch): reproducible builds. */
  time: Date;
  /** Set by FROM; undefined before it. */
  from?: 'scratch' | BaseImage;
  platform: oci.Platform;
  run: RunConfig;
  layers: oci.Descriptor[];
  diffIds: string[];
  history: HistoryEntry[];
  /** Paths earlier COPY layers of this build wrote, over the base's. */
  written: Map<string, 'directory' | 'other'>;
  /** CMD was set by this build (ENTRYPOINT then keeps it, as Docker does). */
  cmdSet: boolean;
}

/** The variables ENV has set so far, for $VAR in later instructions. */
export function envOf(state: BuildState): Map<string, string> {
  const env = new Map<string, string>();
  for (const item of state.run.Env ?? []) {
    const eq = item.indexOf('=');
    env.set(eq < 0 ? item : item.slice(0, eq), eq < 0 ? '' : item.slice(eq + 1));
  }
  return env;
}

/** Sets one variable, replacing an earlier value in place (Docker keeps Env order). */
export function setEnv(state: BuildState, key: string, value: string): void {
  const env = [...(state.run.Env ?? [])];
  const at = env.findIndex((item) => item === key || item.startsWith(`${key}=`));
  if (at >= 0) env[at] = `${key}=${value}`;
  else env.push(`${key}=${value}`);
  state.run.Env = env;
}

export function workdirOf(state: BuildState): string {
  return state.run.WorkingDir || '/';
}
