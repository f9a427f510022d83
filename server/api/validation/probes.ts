import { forbidden, invalid, nonNegative, notSupported, required, requireField, type Causes } from './errors.ts';
import { eachObject, type Fields } from './json.ts';
import { portNameErrors, portNumberErrors } from './names.ts';

/** Probes and lifecycle hooks: each names exactly one handler. */

const HTTP_HEADER = /^[-A-Za-z0-9]+$/;
const HTTP_HEADER_ERROR =
  "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')";

/** An IntOrString port: a number in range or an IANA port name. */
export function validatePortNumOrName(errs: Causes, port: number | string | undefined, at: string): void {
  if (typeof port === 'string') for (const msg of portNameErrors(port)) errs.push(invalid(at, port, msg));
  else for (const msg of portNumberErrors(port ?? 0)) errs.push(invalid(at, port ?? 0, msg));
}

function validateHttpGet(errs: Causes, h: Fields): void {
  if (!(h.str('path') ?? '')) requireField(errs, h.path('path'));
  validatePortNumOrName(errs, h.intOrString('port'), h.path('port'));
  const scheme = h.str('scheme') ?? '';
  if (scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(notSupported(h.path('scheme'), scheme, ['HTTP', 'HTTPS']));
  eachObject(errs, h.array('httpHeaders'), h.path('httpHeaders'), (header) => {
    const name = header.str('name') ?? '';
    if (!HTTP_HEADER.test(name)) errs.push(invalid(h.path('httpHeaders'), name, HTTP_HEADER_ERROR));
  });
}

type HandlerKind = 'exec' | 'httpGet' | 'tcpSocket' | 'grpc' | 'sleep';

function validateHandler(errs: Causes, h: Fields, kinds: HandlerKind[], gracePeriod: number | undefined): void {
  const present = kinds.filter((k) => h.has(k));
  present.forEach((kind, i) => {
    if (i > 0) return void errs.push(forbidden(h.path(kind), 'may not specify more than 1 handler type'));
    const action = h.fields(kind);
    if (kind === 'exec' && !(action.strings('command') ?? []).length) requireField(errs, action.path('command'));
    if (kind === 'httpGet') validateHttpGet(errs, action);
    if (kind === 'tcpSocket') validatePortNumOrName(errs, action.intOrString('port'), action.path('port'));
    if (kind === 'grpc') validatePortNumOrName(errs, action.int('port') ?? 0, action.path('port'));
    if (kind === 'sleep') {
      const seconds = action.int('seconds', 64) ?? 0;
      if (gracePeriod !== undefined && (seconds <= 0 || seconds > gracePeriod)) {
        errs.push(invalid(action.path('seconds'), seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`));
      }
    }
  });
  if (present.length === 0) errs.push(required(h.at, 'must specify a handler type'));
}

export type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

export function validateProbe(errs: Causes, p: Fields, kind: ProbeKind, gracePeriod: number | undefined): void {
  if (!p.obj) return;
  validateHandler(errs, p, ['exec', 'httpGet', 'tcpSocket', 'grpc'], gracePeriod);
  for (const n of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    nonNegative(errs, p.int(n), p.path(n));
  }
  const grace = p.int('terminationGracePeriodSeconds', 64);
  if (grace !== undefined && grace <= 0) errs.push(invalid(p.path('terminationGracePeriodSeconds'), grace, 'must be greater than 0'));
  if (kind !== 'readinessProbe') {
    const success = p.int('successThreshold');
    if (success !== undefined && success !== 1) errs.push(invalid(p.path('successThreshold'), success, 'must be 1'));
  } else if (grace !== undefined) {
    errs.push(invalid(p.path('terminationGracePeriodSeconds'), grace, 'must not be set for readinessProbes'));
  }
}

export function validateLifecycle(errs: Causes, l: Fields, gracePeriod: number | undefined): void {
  for (const hook of ['postStart', 'preStop']) {
    const h = l.fields(hook);
    if (h.obj) validateHandler(errs, h, ['exec', 'httpGet', 'tcpSocket', 'sleep'], gracePeriod);
  }
}
