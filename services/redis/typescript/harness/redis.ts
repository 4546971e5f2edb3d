// Managed by integration-harness: `copier update` rewrites this file.
/**
 * Redis fixtures: `redisUrl`, `redis`, `makeRedisStream`.
 *
 * Isolation: each Vitest worker uses a logical database of its own (the index in
 * `TEST_REDIS_URL` plus the worker number minus one), emptied with FLUSHDB after
 * every test. The index is read once, by `redisTarget` (`?db=` wins over the
 * path, as redis-py reads it), and handed to ioredis explicitly, so the guard,
 * the worker arithmetic and the client can never disagree.
 *
 * Before the first test, every index a worker of this run will use is claimed
 * and checked. The claim is a connection named `integration-harness-claim-db<N>`,
 * open while the run lives: it adds no key, and Redis drops it the moment the
 * process ends, even when killed; a second run on the same index stops instead
 * of flushing the first one's keys. An index that already holds keys stops the
 * run (they may not be ours), unless this checkout's own run was killed while
 * using it: a run notes each index it uses in `.harness-runs/` of the
 * integration folder and removes the note when it ends, so a note found at the
 * start names an index whose keys a killed run of this checkout left; it is
 * emptied.
 */
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis, type RedisOptions } from "ioredis";
import type { TestAPI } from "vitest";
import { uniqueTestName, workerId } from "./naming";
import { bounded, markStopped, Misconfigured, NoAnswer, NotReady, stoppedReason } from "./readiness";
import { ensureDisposable, guardedUrl, redact, UnsafeTarget } from "./safety";
import { serviceOf } from "./services";
import type { Settings, SettingsFixtures } from "./settings";

/** Who this service is (from the catalogue, see `services.ts`). */
export const SERVICE = serviceOf("redis");
/** The name of the connection a run holds on each index it uses, while it lives. */
export const claimConnectionName = (index: number) => `integration-harness-claim-db${index}`;
const CHECKED_VAR = "INTEGRATION_HARNESS_REDIS_INDEXES";
const RUN_NOTES = resolve(dirname(fileURLToPath(import.meta.url)), "..", ".harness-runs");

/** The note saying this checkout's run uses database `index` of `url`'s server (left only by a killed run). */
export function runNote(url: string, index: number): string {
  const { host, port } = redisTarget(url);
  const server = createHash("sha256").update(`${host}:${port}`).digest("hex").slice(0, 16);
  return join(RUN_NOTES, `redis-${server}-db${index}`);
}

function exists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

/** Where a Redis URL points: the one parse the guard, the workers and the client use. */
export interface RedisTarget {
  host: string;
  port: number;
  index: number;
  username?: string;
  password?: string;
  tls: boolean;
}

/** Read `url` as the client will use it; throws naming the problem for anything else. */
export function redisTarget(url: string): RedisTarget {
  if (/^unix:/i.test(url) || /^redis(s)?:\/\/\//i.test(url)) {
    throw new Error(
      `${SERVICE.urlVar}: unix socket URLs (${redact(url)}) are not supported by the TypeScript harness; ` +
        `use redis://127.0.0.1:<port>/<db>`,
    );
  }
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (parsed === null || (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:")) {
    throw new Error(`${SERVICE.urlVar} must be a redis:// URL, not ${redact(url)}`);
  }
  const unknown = [...parsed.searchParams.keys()].filter((key) => key !== "db");
  if (unknown.length > 0) throw new Error(`${SERVICE.urlVar}: unsupported option ${unknown.join(", ")}`);
  const raw = parsed.searchParams.get("db") ?? (parsed.pathname.slice(1) || "0");
  if (!/^\d+$/.test(raw)) throw new Error(`${SERVICE.urlVar}: '${raw}' is not a database index`);
  return {
    host: decodeURIComponent(parsed.hostname).replace(/^\[|\]$/g, ""),
    port: Number(parsed.port || 6379),
    index: Number(raw),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    tls: parsed.protocol === "rediss:",
  };
}

/** `url` pointed at database `index` (in the path; any `?db=` removed). */
export function urlForIndex(url: string, index: number): string {
  const own = new URL(url);
  own.searchParams.delete("db");
  own.pathname = `/${index}`;
  return own.toString();
}

/**
 * An ioredis client on database `index` (default: the URL's). Harness calls bound
 * each command themselves (`bounded`); `commandTimeout` is for the tests' own client,
 * since its timer outlives a closed client and would hold the run open.
 */
function client(url: string, timeoutSeconds: number, use: { index?: number; forTests?: boolean } = {}): Redis {
  const { host, port, username, password, tls } = redisTarget(url);
  const options: RedisOptions = {
    host,
    port,
    username,
    password,
    db: use.index ?? redisTarget(url).index,
    tls: tls ? {} : undefined,
    lazyConnect: true,
    connectTimeout: timeoutSeconds * 1000,
    commandTimeout: use.forTests ? timeoutSeconds * 1000 : undefined,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    disconnectTimeout: 200, // a server that never answers never closes its side either
  };
  const redis = new Redis(options);
  redis.on("error", () => undefined); // failures surface where a command is awaited
  return redis;
}

/** Refuse `url` unless its host is a disposable test service (see `safety`). */
export async function guard(url: string, settings: Settings): Promise<void> {
  await ensureDisposable(SERVICE.title, url, [redisTarget(url).host], settings.allowedHosts);
}

/** PING once; describe the server, or throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  const redis = client(url, timeoutSeconds);
  let cause: Error | undefined; // the socket's own error says more than "Connection is closed"
  redis.on("error", (error: Error) => (cause = error));
  try {
    const info = await bounded(
      redis.connect().then(() => redis.info("server")),
      timeoutSeconds,
      "INFO",
      () => redis.disconnect(),
    );
    return `${SERVICE.title} ${/redis_version:([\d.]+)/.exec(info)?.[1] ?? ""}`.trim();
  } catch (error) {
    const message = (cause ?? (error instanceof Error ? error : new Error(String(error)))).message;
    throw /NOAUTH|WRONGPASS|invalid DB index|DB index is out of range/i.test(message)
      ? new Misconfigured(message)
      : new NotReady(message);
  } finally {
    redis.disconnect();
  }
}

/** Keys in the selected database: the harness flushes only databases that hold none. */
async function foreignKeys(redis: Redis): Promise<number> {
  return redis.dbsize();
}

/** This run's claims: one open, named connection per index, and the note of each. */
let claims: { redis: Redis; note: string }[] = [];

/** Name a connection for `index`; false when an older connection of another run has the name. */
async function takeClaim(redis: Redis, index: number): Promise<boolean> {
  const name = claimConnectionName(index);
  await redis.client("SETNAME", name);
  const mine = Number(await redis.client("ID"));
  const list = String(await redis.client("LIST"));
  const holders = list
    .split("\n")
    .filter((line) => line.split(" ").includes(`name=${name}`))
    .map((line) => Number(/(?:^| )id=(\d+)/.exec(line)?.[1]));
  return Math.min(mine, ...holders) === mine;
}

/**
 * Before the run: claim every index a worker will use (base to base + workers - 1)
 * and check it holds no keys, but those a killed run of this checkout left.
 */
export async function preflight(url: string, settings: Settings, run: { workers: number }): Promise<void> {
  const { index: base } = redisTarget(url);
  const timeout = settings.serviceTimeout;
  const indexes = Array.from({ length: Math.max(run.workers, 1) }, (_, worker) => base + worker);
  try {
    for (const [worker, index] of indexes.entries()) {
      const redis = client(url, timeout, { index });
      const within = <T>(work: Promise<T>) =>
        bounded(work, timeout, `${SERVICE.title} at ${redact(url)}`, () => redis.disconnect());
      try {
        await within(redis.connect());
      } catch (error) {
        redis.disconnect();
        throw new UnsafeTarget(
          `${SERVICE.title} at ${redact(url)} has no database ${index} for worker ${worker + 1} of ` +
            `${indexes.length} (${error instanceof Error ? error.message : error}). Lower the index in ` +
            `${SERVICE.urlVar} or run fewer workers (PARALLEL=${Math.max(worker, 1)}).`,
        );
      }
      if (!(await within(takeClaim(redis, index)))) {
        redis.disconnect();
        throw new UnsafeTarget(
          `Another test run is using ${SERVICE.title} database ${index} at ${redact(urlForIndex(url, index))}; ` +
            `wait for it to finish (a killed run's claim ends with its process).`,
        );
      }
      const note = runNote(url, index);
      claims.push({ redis, note });
      if (exists(note) && (await within(foreignKeys(redis))) > 0) {
        await within(redis.flushdb()); // keys a killed run of this checkout left
      }
      const keys = await within(foreignKeys(redis));
      if (keys > 0) {
        const whose = indexes.length > 1 ? ` (worker ${worker + 1}'s database)` : "";
        throw new UnsafeTarget(
          `Refusing to flush ${SERVICE.title} at ${redact(url)}: database ${index}${whose} already holds ` +
            `${keys} keys the harness did not create. Point ${SERVICE.urlVar} at an empty database index` +
            (indexes.length > 1 ? ` (this run uses ${base} to ${base + indexes.length - 1})` : "") +
            `, or if they are yours to lose, empty it: redis-cli -u ${redact(urlForIndex(url, index))} flushdb`,
        );
      }
      mkdirSync(RUN_NOTES, { recursive: true });
      writeFileSync(note, `${redact(urlForIndex(url, index))}\n`);
    }
    process.env[CHECKED_VAR] = indexes.join(",");
  } catch (error) {
    await release();
    throw error;
  }
}

/** After the run: remove the notes and close the claiming connections. */
export async function release(): Promise<void> {
  const ended = claims;
  claims = [];
  for (const { redis, note } of ended) {
    rmSync(note, { force: true });
    redis.disconnect();
  }
}

/** Fail with one line naming Redis, and record it so later tests are skipped at once. */
function stopped(url: string, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  const message = `${SERVICE.title} at ${redact(url)} stopped answering (${reason}); the remaining tests that use it are skipped`;
  markStopped(SERVICE.title, message);
  const stop = new Error(redact(message));
  stop.stack = stop.message; // one line: no trace, no code frame
  return stop;
}

export interface RedisFixtures {
  /** Worker: URL of a ready Redis on this worker's own logical database. */
  redisUrl: string;
  /** Per test: an ioredis client on that database, flushed after the test. */
  redis: Redis;
  /** Per test: `makeRedisStream(purpose)`: a unique stream name (`test:w<N>:<purpose>:<stamp>`), removed with the flush. */
  makeRedisStream: (purpose?: string) => string;
}

interface RedisWorkerFixtures {
  /** Worker: the client on this worker's own database that `redis` hands out. */
  redisWorkerClient: Redis;
}

/** `test` with the Redis fixtures. */
export function withRedis<T extends SettingsFixtures>(test: TestAPI<T>) {
  return test.extend<RedisFixtures & RedisWorkerFixtures>({
    redisUrl: [
      async ({ harnessSettings: settings }, use) => {
        const url = await guardedUrl(settings, SERVICE.urlVar, guard);
        const index = redisTarget(url).index + Number(workerId()) - 1;
        await use(urlForIndex(url, index));
      },
      { scope: "worker" },
    ],
    redisWorkerClient: [
      async ({ redisUrl, harnessSettings }, use) => {
        const timeout = harnessSettings.serviceTimeout;
        const { index } = redisTarget(redisUrl);
        const redis = client(redisUrl, timeout, { forTests: true });
        if (stoppedReason(SERVICE.title) !== undefined) {
          await use(redis); // never connected: the tests that need it are skipped
          return;
        }
        try {
          await bounded(redis.connect(), timeout, `${SERVICE.title} at ${redact(redisUrl)}`, () => redis.disconnect());
          const checked = (process.env[CHECKED_VAR] ?? "").split(",").filter(Boolean).map(Number);
          if (!checked.includes(index)) {
            const keys = await foreignKeys(redis); // not checked by the global setup: check it before the first flush
            if (keys > 0) {
              throw new UnsafeTarget(
                `Refusing to flush ${SERVICE.title} at ${redact(redisUrl)}: database ${index} already holds ` +
                  `${keys} keys the harness did not create. Point ${SERVICE.urlVar} at an empty database index.`,
              );
            }
          }
        } catch (error) {
          redis.disconnect();
          if (error instanceof UnsafeTarget) throw error;
          throw stopped(redisUrl, error);
        }
        await use(redis);
        redis.disconnect();
      },
      { scope: "worker" },
    ],
    redis: async ({ redisWorkerClient, redisUrl, harnessSettings, skip }, use) => {
      if (stoppedReason(SERVICE.title) !== undefined) skip(); // the test that found it stopped said so, once
      try {
        await use(redisWorkerClient);
      } finally {
        if (stoppedReason(SERVICE.title) === undefined) {
          const timeout = harnessSettings.serviceTimeout;
          try {
            await bounded(redisWorkerClient.flushdb(), timeout, "FLUSHDB");
          } catch (error) {
            if (error instanceof NoAnswer || /timed out|Connection is closed/i.test(String(error))) {
              throw stopped(redisUrl, error);
            }
            throw error;
          }
        }
      }
    },
    makeRedisStream: async ({ redis }, use) => {
      void redis; // asking for `redis` makes the flush after the test remove the streams
      await use((purpose = "stream") => uniqueTestName("makeRedisStream", purpose, ":"));
    },
  });
}
