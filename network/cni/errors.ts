// A plugin's failure, carrying the spec's error object and naming the plugin and command.
import type { CniCommand, CniErrorBody } from './types.ts';

/** The spec's well-known error codes; 100 and up are the plugin's own. */
export const CNI_CODES = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  /** libcni's code for an error without one of its own. */
  internal: 999,
} as const;

export class CniError extends Error {
  readonly code: number;
  readonly msg: string;
  readonly details: string | undefined;
  readonly plugin: string;
  readonly command: CniCommand;

  constructor(plugin: string, command: CniCommand, body: CniErrorBody, options?: { cause?: unknown }) {
    super(`CNI plugin ${plugin} failed (${command}): ${body.msg}${body.details ? `: ${body.details}` : ''} [code ${body.code}]`, options);
    this.name = 'CniError';
    this.code = body.code;
    this.msg = body.msg;
    this.details = body.details;
    this.plugin = plugin;
    this.command = command;
  }
}

export function isCniError(error: unknown): error is CniError {
  return error instanceof CniError;
}
