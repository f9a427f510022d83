// The agent's two requests: fetch the CA unverified (it is checked against the token's
// hash before anything is trusted), then the join itself over TLS pinned to that CA.
import https from 'node:https';
import { SkerryError, type JoinAnswer } from '../../common/index.ts';

const TIMEOUT_MS = 30_000;
const MAX_ANSWER = 1024 * 1024;

export interface Answer {
  status: number;
  body: Buffer;
}

export type { JoinAnswer };

/**
 * GET <server>/cacerts without verifying the server: there is nothing to verify against
 * yet. The caller compares the body's hash with the token before using it.
 */
export function fetchCaCerts(server: URL): Promise<Answer> {
  return send(server, new URL('cacerts', server), { method: 'GET', rejectUnauthorized: false });
}

/** POST <server>/v1-skerry/join, trusting only `caPem`. */
export function postJoin(server: URL, caPem: string, token: string, request: { nodeName: string; nodePassword: string }): Promise<Answer> {
  const body = JSON.stringify(request);
  return send(
    server,
    new URL('v1-skerry/join', server),
    {
      method: 'POST',
      ca: caPem,
      rejectUnauthorized: true,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    },
    body,
  );
}

function send(server: URL, url: URL, options: https.RequestOptions, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error & { code?: string }) =>
      reject(new SkerryError('CONFIG_INVALID', `cannot reach the server at ${server.origin}: ${error.code ?? error.message}`, { server: server.origin }, { cause: error }));
    const req = https.request(url, { ...options, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER) return void req.destroy(new Error(`answer larger than ${MAX_ANSWER} bytes`));
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', fail);
    req.end(body);
  });
}

/** The server's answer as a join answer, or a one-line error naming the server and its reason. */
export function readJoinAnswer(server: URL, answer: Answer): JoinAnswer {
  if (answer.status !== 200) throw refusal(server, answer);
  let parsed: JoinAnswer;
  try {
    parsed = JSON.parse(answer.body.toString('utf8')) as JoinAnswer;
  } catch {
    throw new SkerryError('API_ERROR', `the server at ${server.origin} answered the join with something that is not JSON`, { server: server.origin });
  }
  if (typeof parsed?.credential?.password !== 'string' || typeof parsed.broker?.url !== 'string' || typeof parsed.nodeName !== 'string') {
    throw new SkerryError('API_ERROR', `the server at ${server.origin} answered the join without a credential and broker address`, { server: server.origin });
  }
  return parsed;
}

function refusal(server: URL, answer: Answer): SkerryError {
  let message = answer.body.toString('utf8').slice(0, 500);
  try {
    message = (JSON.parse(message) as { message?: string }).message ?? message;
  } catch {
    // not a Status: keep the text
  }
  const why = answer.status === 401 ? 'the join token is unknown, expired or revoked' : message;
  return new SkerryError('API_ERROR', `the server at ${server.origin} refused the join (${answer.status}): ${why}`, { server: server.origin, status: answer.status });
}
