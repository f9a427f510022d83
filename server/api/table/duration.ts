// Kubernetes' duration.HumanDuration and the printers' "time since" helpers. The thresholds are
// kubectl's, so AGE reads the same as against kube-apiserver (2-3 significant figures).

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** "5s", "3m2s", "15m", "2h5m", "20h", "2d5h", "30d", "3y45d", "9y"; "<invalid>" far in the future. */
export function humanDuration(ms: number): string {
  // Go truncates toward zero; up to 2s in the future is clock skew and reads as "0s".
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  return minutesAndUp(ms);
}

function minutesAndUp(ms: number): string {
  const minutes = Math.floor(ms / MINUTE);
  if (minutes < 10) return withRest(minutes, 'm', Math.floor(ms / SECOND) % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(ms / HOUR);
  if (hours < 8) return withRest(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return withRest(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return withRest(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function withRest(major: number, majorUnit: string, rest: number, restUnit: string): string {
  return rest === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${rest}${restUnit}`;
}

/** Milliseconds since the epoch, or undefined for an absent, unparsable or Go-zero timestamp. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value);
  // Go's zero time.Time serialises as year 1; its printers treat it as unset.
  return Number.isNaN(ms) || ms === GO_ZERO_TIME ? undefined : ms;
}

const GO_ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');

/** translateTimestampSince: the age of a timestamp, "<unknown>" when unset. */
export function since(value: unknown, now: Date): string {
  const ms = parseTime(value);
  return ms === undefined ? '<unknown>' : humanDuration(now.getTime() - ms);
}
