import { invalid, type Causes } from './errors.ts';

/** File paths inside volumes and containers: these guard against escaping the mount with `..`. */

export function validateNoBacksteps(errs: Causes, target: string, at: string): void {
  if (target.replace(/\\/g, '/').split('/').includes('..')) errs.push(invalid(at, target, "must not contain '..'"));
}

export function validateLocalDescendingPath(errs: Causes, target: string, at: string): void {
  if (target.startsWith('/')) errs.push(invalid(at, target, 'must be a relative path'));
  validateNoBacksteps(errs, target, at);
}

export function validateLocalNonReservedPath(errs: Causes, target: string, at: string): void {
  validateLocalDescendingPath(errs, target, at);
  // Only when the backstep check above has not already said it.
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(invalid(at, target, "must not start with '..'"));
}

export const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';

export function validateFileMode(errs: Causes, mode: number | undefined, at: string): void {
  if (mode !== undefined && (mode < 0 || mode > 0o777)) errs.push(invalid(at, mode, FILE_MODE_ERROR));
}
