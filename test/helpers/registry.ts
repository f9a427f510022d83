// A real registry for tests and the pull bench: Debian's `docker-registry` (distribution
// 2.8) serving a temp dir on 127.0.0.1, anonymous or with htpasswd (bcrypt) or token auth;
// images go in with skopeo. Also here: the token server token auth needs (ES256 JWTs signed
// by a key whose self-signed certificate is the registry's rootcertbundle) and a TCP proxy
// that counts bytes, records requests and cuts connections after set byte counts.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import bcrypt from 'bcryptjs';
import { freePort } from './ports.ts';
import { skopeoAsync } from './skopeo.ts';

x509.cryptoProvider.set(crypto.webcrypto as never);

const run = promisify(execFile);

export { freePort } from './ports.ts';

/** A temp dir removed at teardown. */
export function tempDir(t: { teardown(fn: () => void): void }, prefix = 'skerry-pull-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export type RegistryAuthConfig =
  | { kind: 'htpasswd'; users: Record<string, string> }
  | { kind: 'token'; realm: string; service: string; issuer: string; certPem: string }
  | { kind: 'tls'; certPem: string; keyPem: string };

export interface Registry {
  /** host:port, e.g. 127.0.0.1:40123 */
  host: string;
  port: number;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function configYaml(dir: string, port: number, auth?: RegistryAuthConfig): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${crypto.randomBytes(16).toString('hex')}`,
  ];
  if (auth?.kind === 'tls') {
    fs.writeFileSync(path.join(dir, 'tls.crt'), auth.certPem);
    fs.writeFileSync(path.join(dir, 'tls.key'), auth.keyPem);
    lines.push('  tls:', `    certificate: ${path.join(dir, 'tls.crt')}`, `    key: ${path.join(dir, 'tls.key')}`);
  }
  if (auth?.kind === 'htpasswd') {
    const file = path.join(dir, 'htpasswd');
    fs.writeFileSync(file, Object.entries(auth.users).map(([user, password]) => `${user}:${bcrypt.hashSync(password, 4)}\n`).join(''));
    lines.push('auth:', '  htpasswd:', '    realm: skerry-test', `    path: ${file}`);
  }
  if (auth?.kind === 'token') {
    const bundle = path.join(dir, 'token-ca.pem');
    fs.writeFileSync(bundle, auth.certPem);
    lines.push('auth:', '  token:', `    realm: ${auth.realm}`, `    service: ${auth.service}`, `    issuer: ${auth.issuer}`, `    rootcertbundle: ${bundle}`);
  }
  return `${lines.join('\n')}\n`;
}

async function waitReady(port: number, child: ChildProcess, log: string, tls: boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok && !tls) {
      const status = await new Promise<number>((resolve) => {
        http.get({ host: '127.0.0.1', port, path: '/v2/' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', () => resolve(0));
      });
      if (status === 200 || status === 401) return;
    } else if (ok) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`docker-registry did not answer on 127.0.0.1:${port} within 10 s: ${fs.readFileSync(log, 'utf8').slice(-2000)}`);
}

/** Starts docker-registry on a free 127.0.0.1 port with its storage in `dir`. */
export async function startRegistry(dir: string, auth?: RegistryAuthConfig): Promise<Registry> {
  fs.mkdirSync(dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = path.join(dir, 'config.yml');
    fs.writeFileSync(config, configYaml(dir, port, auth));
    const log = path.join(dir, 'registry.log');
    const out = fs.openSync(log, 'a');
    const child = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: ['ignore', out, out] });
    fs.closeSync(out);
    children.add(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      children.delete(child);
    };
    try {
      await waitReady(port, child, log, auth?.kind === 'tls');
      return { host: `127.0.0.1:${port}`, port, pid: child.pid!, dir, stop };
    } catch (error) {
      await stop();
      // The port may have been taken between freePort() and the registry's listen.
      if (attempt >= 2) throw error;
    }
  }
}

/** Starts a registry and stops it (by its pid) at teardown. */
export async function registryFor(t: { teardown(fn: () => unknown): void }, dir: string, auth?: RegistryAuthConfig): Promise<Registry> {
  const registry = await startRegistry(dir, auth);
  t.teardown(() => registry.stop());
  return registry;
}

export interface PushOptions {
  /** skopeo's --format: oci (default: the layout's blobs as they are) or v2s2 (Docker schema2; layers get gzipped). */
  format?: 'oci' | 'v2s2';
  /** Copy every image of an index (skopeo --all). */
  all?: boolean;
  creds?: string;
}

/** `skopeo copy oci:DIR:TAG docker://HOST/NAME:TAG` over plain HTTP. */
export async function pushLayout(layoutDir: string, tag: string, host: string, name: string, options: PushOptions = {}): Promise<void> {
  const args = ['copy', '--quiet', '--dest-tls-verify=false'];
  // Without --preserve-digests skopeo gzips uncompressed layers on the way to a registry.
  args.push(...(options.format === 'v2s2' ? ['--format', 'v2s2'] : ['--preserve-digests']));
  if (options.all) args.push('--all');
  if (options.creds) args.push('--dest-creds', options.creds);
  args.push(`oci:${layoutDir}:${tag}`, `docker://${host}/${name}:${tag}`);
  await skopeoAsync(args, { env: { TMPDIR: layoutDir } });
}

// ---------------------------------------------------------------------------------------
// Token auth (distribution's docs/spec/auth/token.md and jwt.md)

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certPem: string;
  /** Token requests served, with the scope asked and whether credentials were given. */
  requests: Array<{ scope: string; user?: string }>;
  close(): Promise<void>;
}

async function selfSignedEcdsa(): Promise<{ certPem: string; der: Buffer; key: crypto.KeyObject }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await crypto.webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as crypto.webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: crypto.randomBytes(8).toString('hex'),
    name: 'CN=skerry-test-token-signer',
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 86400_000),
    keys,
    signingAlgorithm: algorithm,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const pkcs8 = Buffer.from(await crypto.webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { certPem: cert.toString('pem'), der: Buffer.from(cert.rawData), key: crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }) };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * A token server on 127.0.0.1: GET /token?service&scope with Basic credentials from `users`
 * grants what the scope asks; anonymous requests get pull only when `anonymousPull`.
 */
export async function startTokenServer(users: Record<string, string>, options: { anonymousPull?: boolean; field?: 'token' | 'access_token' } = {}): Promise<TokenServer> {
  const signer = await selfSignedEcdsa();
  const service = 'skerry-test-registry';
  const issuer = 'skerry-test-issuer';
  const requests: TokenServer['requests'] = [];
  const sign = (access: unknown[]) => {
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [signer.der.toString('base64')] }));
    const now = Math.floor(Date.now() / 1000);
    const claims = b64url(JSON.stringify({ iss: issuer, sub: 'test', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access }));
    const signature = crypto.sign('sha256', Buffer.from(`${header}.${claims}`), { key: signer.key, dsaEncoding: 'ieee-p1363' });
    return `${header}.${claims}.${b64url(signature)}`;
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scope = url.searchParams.get('scope') ?? '';
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, password] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
    requests.push({ scope, ...(user && { user }) });
    const known = user !== undefined && users[user] === password;
    if ((user !== undefined && !known) || (!known && !options.anonymousPull)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = scope.split(' ').filter(Boolean).map((s) => {
      const [type, name, actions] = s.split(':');
      const granted = (actions ?? '').split(',').filter((a) => known || a === 'pull');
      return { type, name, actions: granted };
    });
    const token = sign(access);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ [options.field ?? 'token']: token, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`, service, issuer, certPem: signer.certPem, requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A CA and a serving certificate for 127.0.0.1, for a registry over HTTPS. */
export async function testTls(): Promise<{ caPem: string; certPem: string; keyPem: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const caKeys = (await crypto.webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as crypto.webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=skerry-test-ca', notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86400_000),
    keys: caKeys, signingAlgorithm: algorithm,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const keys = (await crypto.webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as crypto.webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '02', subject: 'CN=127.0.0.1', issuer: ca.subject, notBefore: new Date(Date.now() - 3600_000), notAfter: new Date(Date.now() + 86400_000),
    publicKey: keys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: algorithm,
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
    ],
  });
  const pkcs8 = await crypto.webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { caPem: ca.toString('pem'), certPem: cert.toString('pem'), keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

// ---------------------------------------------------------------------------------------
// A TCP proxy between client and registry

export interface Proxy {
  host: string;
  port: number;
  /** Bytes sent from the registry to the client, over all connections. */
  readonly downstream: number;
  /** Request heads the client sent ("GET /v2/... HTTP/1.1" plus headers), in order. */
  readonly requests: string[];
  /** Connections the proxy cut. */
  readonly cuts: number;
  close(): Promise<void>;
}

/**
 * Forwards 127.0.0.1:<port> to `target`; after the total bytes sent to clients reach each of
 * `cutAt` (ascending), it sends only up to that count and then drops that connection.
 */
export async function startProxy(target: { host: string; port: number }, cutAt: number[] = []): Promise<Proxy> {
  const cuts = [...cutAt].sort((a, b) => a - b);
  let downstream = 0;
  let cutCount = 0;
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    let head = '';
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      let end: number;
      while ((end = head.indexOf('\r\n\r\n')) >= 0) {
        requests.push(head.slice(0, end));
        head = head.slice(end + 4);
      }
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (chunk: Buffer) => {
      const next = cuts[0];
      if (next !== undefined && downstream + chunk.length >= next) {
        const keep = next - downstream;
        cuts.shift();
        cutCount++;
        downstream += keep;
        client.end(chunk.subarray(0, keep), () => drop());
        upstream.destroy();
        return;
      }
      downstream += chunk.length;
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    client.on('error', drop).on('close', () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('error', drop).on('close', () => {
      sockets.delete(upstream);
      client.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    port,
    get downstream() {
      return downstream;
    },
    requests,
    get cuts() {
      return cutCount;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------
// A small in-test registry serving an OCI layout, for what a real one will not do: serve
// wrong bytes, ignore Range, redirect blobs to another origin, answer with errors.

export interface FakeRegistryOptions {
  /** Require these Basic credentials on /v2/ paths. */
  basic?: { username: string; password: string };
  /** Honour Range on blobs (206). Default true. */
  ranges?: boolean;
  /** Handle a request first; return true when it did. */
  intercept?(req: http.IncomingMessage, res: http.ServerResponse): boolean;
}

export interface FakeRegistry {
  host: string;
  port: number;
  /** Method, path and the headers of interest of every request. */
  requests: Array<{ path: string; range?: string; authorization?: string }>;
  close(): Promise<void>;
}

export async function startFakeRegistry(layoutDir: string, tag: string, options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const requests: FakeRegistry['requests'] = [];
  const blobFile = (digest: string) => path.join(layoutDir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  const top = (JSON.parse(fs.readFileSync(path.join(layoutDir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; mediaType: string; annotations?: Record<string, string> }> })
    .manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag)!;
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', ...(req.headers.range && { range: req.headers.range }), ...(req.headers.authorization && { authorization: req.headers.authorization }) });
    if (options.intercept?.(req, res)) return;
    if (options.basic) {
      const want = `Basic ${Buffer.from(`${options.basic.username}:${options.basic.password}`).toString('base64')}`;
      if (req.headers.authorization !== want) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fake"', 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
    }
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/?]+)$/.exec(req.url ?? '');
    const digest = match?.[3] === tag && match[2] === 'manifests' ? top.digest : match?.[3];
    if (!match || !digest || !fs.existsSync(blobFile(digest))) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: match?.[2] === 'blobs' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN', message: `${match?.[2] ?? 'path'} unknown` }] }));
      return;
    }
    const data = fs.readFileSync(blobFile(digest));
    if (match[2] === 'manifests') {
      const mediaType = (JSON.parse(data.toString()) as { mediaType?: string }).mediaType ?? top.mediaType;
      res.writeHead(200, { 'content-type': mediaType, 'docker-content-digest': digest, 'content-length': data.length }).end(data);
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && options.ranges !== false) {
      const start = Number(range[1]);
      res.writeHead(206, { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}`, 'content-length': data.length - start }).end(data.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length, 'docker-content-digest': digest }).end(data);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: `127.0.0.1:${port}`, port, requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
