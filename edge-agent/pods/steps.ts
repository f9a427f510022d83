// Steps as data (DESIGN §12): a pod sync and a container start are lists of named steps run
// by this one runner, which times and logs each, stops at the first that must wait, and on
// a failure undoes — newest first — what the steps before it made in this run.
import type { Logger } from '../../common/index.ts';

/**
 * 'done': nothing new (it was there already); 'made': something was created that `undo`
 * removes if a later step fails; 'wait': not yet (an image pulls, an init container runs).
 */
export type StepResult = 'done' | 'made' | 'wait';

export interface Step<C> {
  name: string;
  run(ctx: C): StepResult | Promise<StepResult>;
  undo?(ctx: C): void | Promise<void>;
}

/** A failure, naming the step it came from; `cause` is the step's own error. */
export class StepError extends Error {
  constructor(readonly step: string, cause: unknown) {
    super(`${step}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'StepError';
  }
}

export interface RunOutcome {
  result: 'done' | 'wait';
  /** The step that said 'wait'. */
  waitingAt?: string;
  /** Per step, milliseconds. */
  timings: Array<[string, number]>;
}

async function undoMade<C>(made: Step<C>[], ctx: C, log: Logger, fields: object): Promise<void> {
  for (const step of made.reverse()) {
    try {
      await step.undo!(ctx);
      log.debug({ ...fields, step: step.name }, 'step undone');
    } catch (error) {
      // Keep undoing the rest: a leftover here is better than several.
      log.warn({ ...fields, step: step.name, err: error }, 'could not undo a step');
    }
  }
}

export async function runSteps<C>(steps: ReadonlyArray<Step<C>>, ctx: C, log: Logger, fields: object = {}): Promise<RunOutcome> {
  const made: Step<C>[] = [];
  const timings: Array<[string, number]> = [];
  for (const step of steps) {
    const started = performance.now();
    let result: StepResult;
    try {
      result = await step.run(ctx);
    } catch (error) {
      timings.push([step.name, Math.round(performance.now() - started)]);
      log.debug({ ...fields, step: step.name, reason: (error as Error)?.message }, 'step failed');
      await undoMade(made, ctx, log, fields);
      throw new StepError(step.name, error);
    }
    const ms = Math.round(performance.now() - started);
    timings.push([step.name, ms]);
    if (result === 'wait') return { result: 'wait', waitingAt: step.name, timings };
    if (result === 'made' && step.undo) made.push(step);
    if (result === 'made') log.debug({ ...fields, step: step.name, ms }, 'step made');
  }
  return { result: 'done', timings };
}
