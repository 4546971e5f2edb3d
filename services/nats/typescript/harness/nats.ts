// Managed by integration-harness: `copier update` rewrites this file.
/**
 * NATS JetStream fixtures: `natsUrl`, `natsConnection`, `makeStream`.
 *
 * Isolation: tests never share a stream. `makeStream` adds a JetStream stream
 * of its own (`test-w<worker>-<purpose>-<random>`, subjects under its name) and
 * deletes it, with its messages and consumers, after the test. Streams a killed
 * run left behind (named `test-w<worker>-<purpose>-<stamp><random>`, created
 * more than an hour ago) are deleted when the next run starts; nothing else is
 * touched, so a run of another project in progress keeps its streams.
 */
import { createConnection } from "node:net";
import { connect, type JetStreamManager, type NatsConnection } from "nats";
import type { TestAPI } from "vitest";
import { isLeftoverTestName, uniqueTestName } from "./naming";
import { bounded, Misconfigured, NotReady } from "./readiness";
import { ensureDisposable, guardedUrl, redact } from "./safety";
import { serviceOf } from "./services";
import type { Settings, SettingsFixtures } from "./settings";

/** Who this service is (from the catalogue, see `services.ts`). */
export const SERVICE = serviceOf("nats");

function servers(url: string): string[] {
  return url.split(",").map((server) => server.trim()).filter(Boolean);
}

/** Refuse `url` unless every server in it is a disposable test service (see `safety`). */
export async function guard(url: string, settings: Settings): Promise<void> {
  const hosts = servers(url).map((server) => {
    const parsed = new URL(server.includes("://") ? server : `nats://${server}`);
    return decodeURIComponent(parsed.hostname);
  });
  await ensureDisposable(SERVICE.title, redact(url), hosts, settings.allowedHosts);
}

/**
 * Wait for the server's INFO greeting on a plain socket, closed either way: the
 * nats client keeps its socket open after a connect timeout, which would hold
 * the run open when a server accepts TCP and never answers.
 */
async function greets(server: string, timeoutSeconds: number): Promise<void> {
  const { hostname, port } = new URL(server.includes("://") ? server : `nats://${server}`);
  await new Promise<void>((resolve, reject) => {
    const socket = createConnection({ host: hostname.replace(/^\[|\]$/g, ""), port: Number(port || 4222) });
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(new NotReady(error.message));
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`no INFO from ${redact(server)} within ${timeoutSeconds}s`)), timeoutSeconds * 1000);
    socket.once("data", () => done());
    socket.once("error", (error) => done(error));
  });
}

/** Connect and ask for JetStream; describe the server, or throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  let nc: NatsConnection | undefined;
  try {
    for (const server of servers(url)) await greets(server, timeoutSeconds);
    nc = await connect({ servers: servers(url), timeout: timeoutSeconds * 1000, reconnect: false });
    await (await nc.jetstreamManager({ timeout: timeoutSeconds * 1000 })).getAccountInfo();
    return `${SERVICE.title} ${nc.info?.version ?? ""}`.trim();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw /AUTHORIZATION|jetstream not enabled|503/i.test(message) ? new Misconfigured(message) : new NotReady(message);
  } finally {
    await nc?.close();
  }
}

/** Before the run: delete the streams killed runs left behind (see `isLeftoverTestName`). */
export async function preflight(url: string, settings: Settings): Promise<void> {
  const timeout = settings.serviceTimeout;
  const nc = await connect({ servers: servers(url), timeout: timeout * 1000, reconnect: false });
  try {
    const sweep = async () => {
      const jsm = await nc.jetstreamManager({ timeout: timeout * 1000 });
      const leftovers: string[] = [];
      for await (const info of jsm.streams.list()) {
        if (isLeftoverTestName(info.config.name, "-")) leftovers.push(info.config.name);
      }
      for (const name of leftovers) await jsm.streams.delete(name);
    };
    await bounded(sweep(), timeout, `${SERVICE.title} at ${redact(url)}`);
  } finally {
    await bounded(nc.close(), 2, SERVICE.title).catch(() => undefined);
  }
}

/** A stream of one test: its name, and subjects under it. */
export interface IsolatedStream {
  name: string;
  /** `subject("created")` is `<name>.created`. */
  subject: (...parts: string[]) => string;
}

export interface NatsFixtures {
  /** Worker: URL of a ready NATS server with JetStream (`TEST_NATS_URL`). */
  natsUrl: string;
  /** Worker: a connected NATS client, closed when the worker ends. */
  natsConnection: NatsConnection;
  /** Per test: `makeStream(purpose)`: a JetStream stream of its own, deleted after the test. */
  makeStream: (purpose?: string) => Promise<IsolatedStream>;
}

/** `test` with the NATS JetStream fixtures. */
export function withNats<T extends SettingsFixtures>(test: TestAPI<T>) {
  return test.extend<NatsFixtures>({
    natsUrl: [
      async ({ harnessSettings }, use) => use(await guardedUrl(harnessSettings, SERVICE.urlVar, guard)),
      { scope: "worker" },
    ],
    natsConnection: [
      async ({ natsUrl }, use) => {
        const nc = await connect({ servers: servers(natsUrl) });
        await use(nc);
        await nc.drain();
      },
      { scope: "worker" },
    ],
    makeStream: async ({ natsConnection, natsUrl, harnessSettings }, use) => {
      const jsm: JetStreamManager = await natsConnection.jetstreamManager();
      const created: string[] = [];
      await use(async (purpose = "stream") => {
        const name = uniqueTestName("makeStream", purpose, "-");
        await jsm.streams.add({ name, subjects: [`${name}.>`] });
        created.push(name);
        return { name, subject: (...parts: string[]) => [name, ...parts].join(".") };
      });
      if (created.length > 0) {
        await guard(natsUrl, harnessSettings);
        for (const name of created) await jsm.streams.delete(name);
      }
    },
  });
}
