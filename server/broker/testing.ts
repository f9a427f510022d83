// Test support for the broker tests (test/broker-*.test.ts): TLS material in a temp dir, MQTT
// clients that pin the test CA, and an inbox that proves "nothing else arrived" by waiting for
// a marker message instead of sleeping. Not used by the broker itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { ensureServingMaterial, type ServingMaterial } from '../tls/index.ts';

export interface TestPki extends ServingMaterial {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A fresh temp dir with a CA and a serving certificate for 127.0.0.1/localhost. */
export async function makeTestPki(prefix: string): Promise<TestPki> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const tlsDir = path.join(dir, 'tls');
  try {
    const material = await ensureServingMaterial(tlsDir);
    const file = (name: string) => path.join(tlsDir, name);
    return { ...material, dir, caFile: file('server-ca.crt'), certFile: file('serving.crt'), keyFile: file('serving.key') };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Connects over mqtts with the CA pinned; rejects with the CONNACK code on refusal. */
export function connectClient(url: string, ca: string, options: IClientOptions): Promise<MqttClient> {
  const base: IClientOptions = { ca, rejectUnauthorized: true, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, clean: true };
  return mqtt.connectAsync(url, { ...base, ...options }, false);
}

export interface Received {
  topic: string;
  payload: string;
}

/** Everything a client receives, in order. */
export class Inbox {
  readonly messages: Received[] = [];

  constructor(client: MqttClient) {
    client.on('message', (topic, payload) => this.messages.push({ topic, payload: payload.toString() }));
  }

  /** Waits for this message and returns what arrived before it. */
  async until(topic: string, payload: string, timeoutMs = 5_000): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex((m) => m.topic === topic && m.payload === payload);
      if (index >= 0) return this.messages.slice(0, index);
      if (Date.now() > deadline) throw new Error(`no "${payload}" on ${topic} within ${timeoutMs} ms; received ${JSON.stringify(this.messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
