/**
 * Label key and value rules of apimachinery's util/validation (IsQualifiedName, IsValidLabelValue,
 * IsDNS1123Subdomain), with its messages word for word. The checks scan characters instead of
 * running the regexes so that any input, however long, is judged in linear time.
 */
import { goLength } from './go-format.ts';

const qualifiedNameMaxLength = 63;
const labelValueMaxLength = 63;
const dns1123SubdomainMaxLength = 253;

const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const qualifiedNameErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFmt = `(${qualifiedNameFmt})?`;
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** Errors for a label key: `[prefix/]name`, as `validation.IsQualifiedName`. */
export function qualifiedNameErrors(value: string): string[] {
  const parts = value.split('/', 3);
  if (parts.length > 2) {
    return [
      `a qualified name ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  const [first = '', second] = parts;
  const name = second ?? first;
  const errors = second === undefined ? [] : prefixErrors(first);
  if (name.length === 0) errors.push(`name part ${emptyError()}`);
  else if (goLength(name) > qualifiedNameMaxLength) errors.push(`name part ${maxLenError(qualifiedNameMaxLength)}`);
  if (!isQualifiedNamePart(name)) {
    errors.push(`name part ${regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`);
  }
  return errors;
}

function prefixErrors(prefix: string): string[] {
  if (prefix.length === 0) return [`prefix part ${emptyError()}`];
  return dns1123SubdomainErrors(prefix).map((message) => `prefix part ${message}`);
}

/** Errors for a label value, as `validation.IsValidLabelValue` (the empty value is valid). */
export function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (goLength(value) > labelValueMaxLength) errors.push(maxLenError(labelValueMaxLength));
  if (value !== '' && !isQualifiedNamePart(value)) {
    errors.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  }
  return errors;
}

/** Errors for a DNS subdomain, as `validation.IsDNS1123Subdomain`. */
export function dns1123SubdomainErrors(value: string): string[] {
  const errors: string[] = [];
  if (goLength(value) > dns1123SubdomainMaxLength) errors.push(maxLenError(dns1123SubdomainMaxLength));
  if (!isDns1123Subdomain(value)) errors.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errors;
}

function isAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function isLowerAlphanumeric(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a);
}

/** `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$` */
function isQualifiedNamePart(text: string): boolean {
  if (text.length === 0) return false;
  if (!isAlphanumeric(text.charCodeAt(0)) || !isAlphanumeric(text.charCodeAt(text.length - 1))) return false;
  for (let i = 1; i < text.length - 1; i++) {
    const code = text.charCodeAt(i);
    if (!isAlphanumeric(code) && code !== 0x2d && code !== 0x5f && code !== 0x2e) return false;
  }
  return true;
}

/** `^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`: dot-separated DNS labels. */
function isDns1123Subdomain(text: string): boolean {
  let labelStart = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i < text.length && text.charCodeAt(i) !== 0x2e) continue;
    if (!isDns1123Label(text, labelStart, i)) return false;
    labelStart = i + 1;
  }
  return true;
}

function isDns1123Label(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  if (!isLowerAlphanumeric(text.charCodeAt(start)) || !isLowerAlphanumeric(text.charCodeAt(end - 1))) return false;
  for (let i = start + 1; i < end - 1; i++) {
    const code = text.charCodeAt(i);
    if (!isLowerAlphanumeric(code) && code !== 0x2d) return false;
  }
  return true;
}

function emptyError(): string {
  return 'must be non-empty';
}

function maxLenError(length: number): string {
  return `must be no more than ${length} characters`;
}

/** validation.RegexError, including its double spaces between examples. */
function regexError(message: string, format: string, ...examples: string[]): string {
  if (examples.length === 0) return `${message} (regex used for validation is '${format}')`;
  const shown = examples.map((example) => `'${example}', `).join(' or ');
  return `${message} (e.g. ${shown}regex used for validation is '${format}')`;
}
