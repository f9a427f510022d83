import { pino, type Logger } from 'pino';

export type { Logger };

const level = process.env.SKERRY_LOG_LEVEL ?? 'info';

// Logs go to stderr so that a verb's own output on stdout stays machine-readable.
const root: Logger = pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));

/** The logger for one component: every line carries `component`. */
export function componentLogger(component: string): Logger {
  return root.child({ component });
}
