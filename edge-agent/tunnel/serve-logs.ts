// A `logs` stream: find the container's CRI log (the current one, or the previous run's),
// then send it as the API's response body, following it while asked and the container runs.
import type { StreamMessage } from '../../common/sync/index.ts';
import { dataFrames } from '../../common/tunnel/index.ts';
import type { StreamEnd } from './call.ts';
import { readLog } from './log-reader.ts';
import { previousNotFound, waitingToStart } from './statuses.ts';
import type { Locate } from './locate.ts';

export async function serveLogs(stream: StreamEnd, request: Extract<StreamMessage, { kind: 'logs' }>, locate: Locate): Promise<void> {
  const found = await locate(request.namespace, request.pod, request.container, request.logs.previous);
  if (!found) {
    const status = request.logs.previous ? previousNotFound(request.container, request.pod) : waitingToStart(request.container, request.pod);
    await stream.send({ type: 'status', status });
    return stream.end();
  }
  if (!(await stream.send({ type: 'ready' }))) return;
  // A previous run's log is complete: it is never followed.
  const follow = request.logs.follow && !request.logs.previous;
  const source = { logPath: found.logPath, running: () => found.container?.running() ?? false };
  for await (const bytes of readLog(source, { ...request.logs, follow }, stream.signal)) {
    for (const frame of dataFrames('stdout', bytes)) if (!(await stream.send(frame))) return;
  }
  stream.end();
}
