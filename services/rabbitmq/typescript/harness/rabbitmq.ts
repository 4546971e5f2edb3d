// Managed by integration-harness: `copier update` rewrites this file.
/**
 * RabbitMQ fixtures: `amqpUrl`, `amqpChannel`, `makeQueue`; and `waitForMessage`.
 *
 * Isolation: tests never share a queue. `makeQueue` declares uniquely named
 * queues (`test.w<worker>.<purpose>.<stamp><random>`) and deletes every one of
 * them after the test, messages and all. AMQP cannot list queues, so instead of
 * a sweep each queue is declared with `x-expires` of an hour: one a killed run
 * left is removed by RabbitMQ itself once unused for that long.
 */
import amqp, { type ChannelModel, type ConfirmChannel, type GetMessage } from "amqplib";
import type { TestAPI } from "vitest";
import { uniqueTestName } from "./naming";
import { Misconfigured, NotReady } from "./readiness";
import { ensureDisposable, guardedUrl, redact } from "./safety";
import { serviceOf } from "./services";
import type { Settings, SettingsFixtures } from "./settings";

/** Who this service is (from the catalogue, see `services.ts`). */
export const SERVICE = serviceOf("rabbitmq");
/** `x-expires` of every queue `makeQueue` declares: longer than any run. */
export const QUEUE_EXPIRES_MS = 3_600_000;

/** Refuse `url` unless its host is a disposable test service (see `safety`). */
export async function guard(url: string, settings: Settings): Promise<void> {
  const parsed = new URL(url);
  if (parsed.protocol !== "amqp:" && parsed.protocol !== "amqps:") {
    throw new Error(`${SERVICE.urlVar} must be an amqp:// URL`);
  }
  await ensureDisposable(SERVICE.title, redact(url), [decodeURIComponent(parsed.hostname)], settings.allowedHosts);
}

/** Open and close one connection; describe the server, or throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  let connection: ChannelModel | undefined;
  try {
    connection = await amqp.connect(url, { timeout: timeoutSeconds * 1000 });
    return `${SERVICE.title} ${connection.connection.serverProperties.version ?? ""}`.trim();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw /ACCESS[-_]REFUSED|403|NOT_ALLOWED/.test(message) ? new Misconfigured(message) : new NotReady(message);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

export interface MakeQueueOptions {
  /** A queue that receives messages rejected (nacked without requeue) from this one. */
  deadLetterTo?: string;
}

export interface RabbitmqFixtures {
  /** Worker: URL of a ready RabbitMQ (`TEST_AMQP_URL`). */
  amqpUrl: string;
  /** Per test: a confirm channel, closed after the test. */
  amqpChannel: ConfirmChannel;
  /** Per test: `makeQueue(purpose, options)`: a new, uniquely named queue, deleted after the test. */
  makeQueue: (purpose?: string, options?: MakeQueueOptions) => Promise<string>;
}

interface RabbitmqWorkerFixtures {
  /** Worker: the connection every test's channel is opened on. */
  amqpConnection: ChannelModel;
}

/** `test` with the RabbitMQ fixtures. */
export function withRabbitmq<T extends SettingsFixtures>(test: TestAPI<T>) {
  return test.extend<RabbitmqFixtures & RabbitmqWorkerFixtures>({
    amqpUrl: [
      async ({ harnessSettings }, use) => use(await guardedUrl(harnessSettings, SERVICE.urlVar, guard)),
      { scope: "worker" },
    ],
    amqpConnection: [
      async ({ amqpUrl }, use) => {
        const connection = await amqp.connect(amqpUrl);
        await use(connection);
        await connection.close();
      },
      { scope: "worker" },
    ],
    amqpChannel: async ({ amqpConnection }, use) => {
      const channel = await amqpConnection.createConfirmChannel();
      await use(channel);
      await channel.close().catch(() => undefined);
    },
    makeQueue: async ({ amqpConnection, amqpUrl, harnessSettings }, use) => {
      const created: string[] = [];
      await use(async (purpose = "queue", options: MakeQueueOptions = {}) => {
        const name = uniqueTestName("makeQueue", purpose, ".");
        const channel = await amqpConnection.createChannel();
        const args: Record<string, unknown> = { "x-expires": QUEUE_EXPIRES_MS };
        if (options.deadLetterTo) {
          Object.assign(args, { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": options.deadLetterTo });
        }
        await channel.assertQueue(name, { durable: false, arguments: args });
        await channel.close();
        created.push(name);
        return name;
      });
      if (created.length > 0) {
        await guard(amqpUrl, harnessSettings);
        const channel = await amqpConnection.createChannel();
        for (const name of created) await channel.deleteQueue(name);
        await channel.close();
      }
    },
  });
}

/** The next message on `queue` (not acknowledged), waiting up to `timeoutMs`; throws naming the queue. */
export async function waitForMessage(channel: ConfirmChannel, queue: string, timeoutMs = 5000): Promise<GetMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const message = await channel.get(queue, { noAck: false });
    if (message) return message;
    if (Date.now() >= deadline) throw new Error(`no message arrived on ${queue} within ${timeoutMs / 1000}s`);
    await new Promise((done) => setTimeout(done, 20));
  }
}
