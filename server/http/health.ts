import type { ServerResponse } from 'node:http';
import { sendText } from './status.ts';

/** One named check behind /healthz, /livez or /readyz; it throws when unhealthy. */
export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

/**
 * Answers like the Kubernetes API server: "ok", or with `?verbose` one `[+]name ok` /
 * `[-]name failed: reason` line per check; 500 when any check fails.
 */
export async function answerHealth(res: ServerResponse, endpoint: string, checks: HealthCheck[], verbose: boolean): Promise<void> {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        await check();
        return { name, ok: true, line: `[+]${name} ok` };
      } catch (error) {
        return { name, ok: false, line: `[-]${name} failed: ${(error as Error).message}` };
      }
    }),
  );
  const healthy = results.every((r) => r.ok);
  if (healthy && !verbose) return sendText(res, 200, 'ok');
  const summary = healthy ? `${endpoint} check passed` : `${endpoint} check failed`;
  sendText(res, healthy ? 200 : 500, [...results.map((r) => r.line), summary, ''].join('\n'));
}
