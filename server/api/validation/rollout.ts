import { forbidden, invalid, NEGATIVE, notSupported, required, type Causes } from './errors.ts';
import { go, goIntOrString, goQuote, type GoLiteral } from './gofmt.ts';
import type { Fields } from './json.ts';
import { percentErrors } from './names.ts';

/** Rolling-update knobs: `maxSurge` / `maxUnavailable` are an integer or a percentage. */

const intOrStr = (v: number | string | undefined): GoLiteral => go(goIntOrString(v));

function percentValue(v: number | string | undefined): number | undefined {
  return typeof v === 'string' && percentErrors(v).length === 0 ? Number(v.slice(0, -1)) : undefined;
}

/** apimachinery's IntValue(): a non-percent string counts as its integer parse, else 0. */
export function intOrPercentValue(v: number | string | undefined): number {
  const percent = percentValue(v);
  if (percent !== undefined) return percent;
  if (typeof v === 'number') return v;
  return typeof v === 'string' && /^-?[0-9]+$/.test(v) ? Number(v) : 0;
}

export function validateIntOrPercent(errs: Causes, v: number | string | undefined, at: string): void {
  if (typeof v === 'string') for (const msg of percentErrors(v)) errs.push(invalid(at, intOrStr(v), msg));
  else if ((v ?? 0) < 0) errs.push(invalid(at, v ?? 0, NEGATIVE));
}

export function validateNotOver100Percent(errs: Causes, v: number | string | undefined, at: string): void {
  const percent = percentValue(v);
  if (percent !== undefined && percent > 100) errs.push(invalid(at, intOrStr(v), 'must not be greater than 100%'));
}

function strategyLiteral(type: string, kind: string, rollingUpdate: boolean): GoLiteral {
  const ru = rollingUpdate ? `&apps.RollingUpdate${kind}{...}` : `(*apps.RollingUpdate${kind})(nil)`;
  return go(`apps.${kind === 'Deployment' ? 'DeploymentStrategy' : `${kind}UpdateStrategy`}{Type:${goQuote(type)}, RollingUpdate:${ru}}`);
}

export function validateDeploymentStrategy(errs: Causes, s: Fields): void {
  const type = s.str('type') ?? '';
  const ru = s.fields('rollingUpdate');
  if (type === 'Recreate') {
    if (ru.obj) errs.push(forbidden(ru.at, "may not be specified when strategy `type` is 'Recreate'"));
  } else if (type === 'RollingUpdate') {
    if (!ru.obj) return void errs.push(required(ru.at, 'this should be defaulted and never be nil'));
    const maxUnavailable = ru.intOrString('maxUnavailable');
    const maxSurge = ru.intOrString('maxSurge');
    validateIntOrPercent(errs, maxUnavailable, ru.path('maxUnavailable'));
    validateIntOrPercent(errs, maxSurge, ru.path('maxSurge'));
    if (intOrPercentValue(maxUnavailable) === 0 && intOrPercentValue(maxSurge) === 0) {
      errs.push(invalid(ru.path('maxUnavailable'), intOrStr(maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
    }
    validateNotOver100Percent(errs, maxUnavailable, ru.path('maxUnavailable'));
  } else {
    errs.push(notSupported(s.at, strategyLiteral(type, 'Deployment', !!ru.obj), ['Recreate', 'RollingUpdate']));
  }
}

export function validateDaemonSetStrategy(errs: Causes, s: Fields): void {
  const type = s.str('type') ?? '';
  const ru = s.fields('rollingUpdate');
  if (type === 'OnDelete') return;
  if (type !== 'RollingUpdate') return void errs.push(notSupported(s.at, strategyLiteral(type, 'DaemonSet', !!ru.obj), ['RollingUpdate', 'OnDelete']));
  if (!ru.obj) return void errs.push(required(ru.at, ''));
  const maxUnavailable = ru.intOrString('maxUnavailable');
  const maxSurge = ru.intOrString('maxSurge');
  validateIntOrPercent(errs, maxUnavailable, ru.path('maxUnavailable'));
  validateIntOrPercent(errs, maxSurge, ru.path('maxSurge'));
  validateNotOver100Percent(errs, maxUnavailable, ru.path('maxUnavailable'));
  validateNotOver100Percent(errs, maxSurge, ru.path('maxSurge'));
  const hasUnavailable = intOrPercentValue(maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(maxSurge) !== 0;
  if (hasUnavailable && hasSurge) errs.push(invalid(ru.path('maxSurge'), intOrStr(maxSurge), 'may not be set when maxUnavailable is non-zero'));
  if (!hasUnavailable && !hasSurge) errs.push(required(ru.path('maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
}

export function validateStatefulSetStrategy(errs: Causes, s: Fields): void {
  const type = s.str('type') ?? '';
  const ru = s.fields('rollingUpdate');
  if (type === '') return void errs.push(required(s.at, ''));
  if (type === 'OnDelete') {
    if (ru.obj) errs.push(invalid(ru.at, go('&apps.RollingUpdateStatefulSetStrategy{...}'), "only allowed for updateStrategy 'RollingUpdate'"));
    return;
  }
  if (type !== 'RollingUpdate') return void errs.push(invalid(s.at, strategyLiteral(type, 'StatefulSet', !!ru.obj), "must be 'RollingUpdate' or 'OnDelete'"));
  if (!ru.obj) return;
  const partition = ru.int('partition');
  if (partition !== undefined && partition < 0) errs.push(invalid(ru.path('partition'), partition, NEGATIVE));
  if (!ru.has('maxUnavailable')) return;
  const maxUnavailable = ru.intOrString('maxUnavailable');
  validateIntOrPercent(errs, maxUnavailable, ru.path('maxUnavailable'));
  if (intOrPercentValue(maxUnavailable) === 0) errs.push(invalid(ru.path('maxUnavailable'), intOrStr(maxUnavailable), 'cannot be 0'));
  validateNotOver100Percent(errs, maxUnavailable, ru.path('maxUnavailable'));
}
