import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { writeFileDurably } from '../../storage/content/index.ts';

x509.cryptoProvider.set(crypto.webcrypto as never);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;

export interface ServingMaterial {
  /** PEM of the cluster CA that clients pin (kubeconfig, join tokens). */
  caCert: string;
  cert: string;
  key: string;
}

interface KeyPairPem {
  cert: x509.X509Certificate;
  keys: crypto.webcrypto.CryptoKeyPair;
}

/**
 * The server's CA and serving certificate, made on first start and kept in `<dataDir>/tls`
 * as K3s does; later starts reuse them, so clients that pinned the CA keep working.
 */
export async function ensureServingMaterial(tlsDir: string, extraNames: string[] = []): Promise<ServingMaterial> {
  fs.mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const file = (name: string) => path.join(tlsDir, name);
  if (!fs.existsSync(file('server-ca.crt'))) {
    const ca = await createCa();
    await writePair(file('server-ca'), ca);
  }
  const caCert = fs.readFileSync(file('server-ca.crt'), 'utf8');
  if (!fs.existsSync(file('serving.crt'))) {
    const ca = await readPair(file('server-ca'));
    await writePair(file('serving'), await createServing(ca, servingNames(extraNames)));
  }
  return { caCert, cert: fs.readFileSync(file('serving.crt'), 'utf8'), key: fs.readFileSync(file('serving.key'), 'utf8') };
}

function servingNames(extra: string[]): string[] {
  const fixed = ['localhost', '127.0.0.1', '::1', os.hostname(), 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  return [...new Set([...fixed, ...extra])];
}

async function createCa(): Promise<KeyPairPem> {
  const keys = (await crypto.webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as crypto.webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: crypto.randomBytes(8).toString('hex'),
    name: `CN=skerry-server-ca@${Math.floor(Date.now() / 1000)}`,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 3650 * DAY),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

async function createServing(ca: KeyPairPem, names: string[]): Promise<KeyPairPem> {
  const keys = (await crypto.webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as crypto.webcrypto.CryptoKeyPair;
  const isIp = (name: string) => /^[\d.]+$/.test(name) || name.includes(':');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: crypto.randomBytes(8).toString('hex'),
    subject: 'CN=skerry',
    issuer: ca.cert.subject,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + 365 * DAY),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: isIp(value) ? 'ip' : 'dns', value }))),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { cert, keys };
}

async function writePair(base: string, pair: KeyPairPem): Promise<void> {
  const pkcs8 = await crypto.webcrypto.subtle.exportKey('pkcs8', pair.keys.privateKey);
  const keyPem = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  writeFileDurably(`${base}.key`, keyPem, 0o600);
  writeFileDurably(`${base}.crt`, pair.cert.toString('pem'), 0o644);
}

async function readPair(base: string): Promise<KeyPairPem> {
  const cert = new x509.X509Certificate(fs.readFileSync(`${base}.crt`, 'utf8'));
  const der = x509.PemConverter.decodeFirst(fs.readFileSync(`${base}.key`, 'utf8'));
  const privateKey = await crypto.webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign']);
  const publicKey = await cert.publicKey.export(ALGORITHM, ['verify']);
  return { cert, keys: { privateKey, publicKey } };
}

