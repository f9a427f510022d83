import { goJson, goQuote } from './go-format.ts';

/**
 * A selector kube-apiserver would refuse. The message is worded as Kubernetes words it;
 * the API layer answers 400 BadRequest with it.
 */
export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

/** `field.Invalid(path, value, detail).Error()`; a string slice value prints as JSON, like Go. */
export function invalidValue(path: string, value: string | readonly string[] | null, detail: string): string {
  const shown = typeof value === 'string' ? goQuote(value) : goJson(value);
  const body = `${path}: Invalid value: ${shown}`;
  return detail === '' ? body : `${body}: ${detail}`;
}

/** The message of apimachinery's ErrorList.ToAggregate(): duplicates dropped, several bracketed. */
export function aggregate(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}
