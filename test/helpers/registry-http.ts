// Raw requests to skerry's registry API over HTTPS, pinned to the server's CA, for the
// steps of the distribution protocol a test drives by hand (chunks, ranges, mounts).
import https from 'node:https';

export interface RegistryAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body as JSON, or undefined when it is not JSON. */
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface RegistryRequestOptions {
  method?: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
  /** The cluster token or another secret, sent as HTTP Basic password; omit for none. */
  token?: string;
}

export function registryClient(port: number, ca: string) {
  return (urlPath: string, options: RegistryRequestOptions = {}): Promise<RegistryAnswer> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...options.headers };
      if (options.token !== undefined) headers.Authorization = `Basic ${Buffer.from(`test:${options.token}`).toString('base64')}`;
      if (options.body !== undefined) headers['Content-Length'] = Buffer.byteLength(options.body);
      const req = https.request({ host: '127.0.0.1', port, path: urlPath, method: options.method ?? 'GET', headers, ca, servername: 'localhost' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0, headers: res.headers, body,
            json: () => {
              try {
                return JSON.parse(body.toString());
              } catch {
                return undefined;
              }
            },
          });
        });
      });
      req.on('error', reject);
      req.setTimeout(30_000, () => req.destroy(new Error(`${options.method ?? 'GET'} ${urlPath} timed out`)));
      req.end(options.body);
    });
}
