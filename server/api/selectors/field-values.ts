/**
 * Readers of object fields as the strings field selectors compare against. Absent or mistyped
 * fields read as Go's zero value rendered the way kube's field sets render it: "" for strings,
 * "false" for booleans, "0" for counts.
 */

/** Takes any JSON: objects reach us unvalidated, so readers must not trust their shape. */
export type FieldReader = (object: unknown) => string;

/** The value at a JSON path, or undefined when any step is missing or not an object. */
export function at(object: unknown, ...path: string[]): unknown {
  let current = object;
  for (const step of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, step)) return undefined;
    current = (current as Record<string, unknown>)[step];
  }
  return current;
}

export function text(...path: string[]): FieldReader {
  return (object) => asText(at(object, ...path));
}

export function flag(...path: string[]): FieldReader {
  return (object) => (at(object, ...path) === true ? 'true' : 'false');
}

export function count(...path: string[]): FieldReader {
  return (object) => {
    const value = at(object, ...path);
    return typeof value === 'number' && Number.isInteger(value) ? String(value) : '0';
  };
}

/** The first of several paths holding a non-empty string, for fields two API versions name differently. */
export function firstText(...paths: string[][]): FieldReader {
  return (object) => paths.map((path) => asText(at(object, ...path))).find((value) => value !== '') ?? '';
}

export function asText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
