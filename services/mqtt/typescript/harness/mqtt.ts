// Managed by integration-harness: `copier update` rewrites this file.
/**
 * MQTT fixtures: `mqttUrl`, `makeTopic`, `makeClient`, `mqttClient`; and `Inbox`.
 *
 * Isolation: tests never share a topic. `makeTopic` gives prefixes of their own
 * (`test/w<worker>/<purpose>/<random>`); after the test every retained message
 * under them is cleared and every client `makeClient` connected is ended.
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { TestAPI } from "vitest";
import { uniqueTestName } from "./naming";
import { Misconfigured, NotReady } from "./readiness";
import { ensureDisposable, guardedUrl, redact } from "./safety";
import { serviceOf } from "./services";
import type { Settings, SettingsFixtures } from "./settings";

/** Who this service is (from the catalogue, see `services.ts`). */
export const SERVICE = serviceOf("mqtt");

/** Refuse `url` unless its host is a disposable test service (see `safety`). */
export async function guard(url: string, settings: Settings): Promise<void> {
  const parsed = new URL(url);
  if (!["mqtt:", "mqtts:", "ws:", "wss:"].includes(parsed.protocol)) {
    throw new Error(`${SERVICE.urlVar} must be an mqtt:// URL`);
  }
  await ensureDisposable(SERVICE.title, redact(url), [decodeURIComponent(parsed.hostname)], settings.allowedHosts);
}

/** Connect once; describe the broker, or throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  try {
    const client = await mqtt.connectAsync(url, { connectTimeout: timeoutSeconds * 1000, reconnectPeriod: 0 });
    await client.endAsync();
    return SERVICE.title;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw /Not authorized|Bad username|code 5|code 4/i.test(message) ? new Misconfigured(message) : new NotReady(message);
  }
}

/** Messages a client received, with a wait for the next one on a topic. */
export class Inbox {
  readonly messages: Array<{ topic: string; payload: string; retain: boolean }> = [];

  constructor(client: MqttClient) {
    client.on("message", (topic, payload, packet) => {
      this.messages.push({ topic, payload: payload.toString(), retain: packet.retain });
    });
  }

  /** The first message on `topic`, waiting up to `timeoutMs`; throws naming the topic. */
  async next(topic: string, timeoutMs = 5000): Promise<{ topic: string; payload: string; retain: boolean }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((message) => message.topic === topic);
      if (found) return found;
      if (Date.now() >= deadline) throw new Error(`no message on ${topic} within ${timeoutMs / 1000}s`);
      await new Promise((done) => setTimeout(done, 10));
    }
  }
}

/** Publish an empty retained message to every topic under `prefix` that holds one. */
async function clearRetained(url: string, prefix: string): Promise<void> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  try {
    const inbox = new Inbox(client);
    const marker = `${prefix}/__harness_end__`;
    await client.subscribeAsync(`${prefix}/#`, { qos: 1 });
    await client.publishAsync(marker, "", { qos: 1 });
    await inbox.next(marker);
    for (const message of inbox.messages) {
      if (message.retain && message.topic !== marker) {
        await client.publishAsync(message.topic, "", { qos: 1, retain: true });
      }
    }
  } finally {
    await client.endAsync();
  }
}

export interface MqttFixtures {
  /** Worker: URL of a ready MQTT broker (`TEST_MQTT_URL`). */
  mqttUrl: string;
  /** Per test: `makeTopic(purpose)`: a topic prefix of its own; retained messages under it cleared after the test. */
  makeTopic: (purpose?: string) => string;
  /** Per test: `makeClient(options)`: a connected client with a unique id, ended after the test. */
  makeClient: (options?: IClientOptions) => Promise<MqttClient>;
  /** Per test: one connected clean-session client. */
  mqttClient: MqttClient;
}

/** `test` with the MQTT fixtures. */
export function withMqtt<T extends SettingsFixtures>(test: TestAPI<T>) {
  return test.extend<MqttFixtures>({
    mqttUrl: [
      async ({ harnessSettings }, use) => use(await guardedUrl(harnessSettings, SERVICE.urlVar, guard)),
      { scope: "worker" },
    ],
    makeTopic: async ({ mqttUrl, harnessSettings }, use) => {
      const prefixes: string[] = [];
      await use((purpose = "topic") => {
        const prefix = uniqueTestName("makeTopic", purpose, "/");
        prefixes.push(prefix);
        return prefix;
      });
      await guard(mqttUrl, harnessSettings);
      for (const prefix of prefixes) await clearRetained(mqttUrl, prefix);
    },
    makeClient: async ({ mqttUrl }, use) => {
      const clients: MqttClient[] = [];
      await use(async (options: IClientOptions = {}) => {
        const clientId = uniqueTestName("makeClient", "client", "-");
        const client = await mqtt.connectAsync(mqttUrl, { clientId, reconnectPeriod: 0, ...options });
        clients.push(client);
        return client;
      });
      for (const client of clients) await client.endAsync(true);
    },
    mqttClient: async ({ makeClient }, use) => {
      await use(await makeClient());
    },
  });
}
