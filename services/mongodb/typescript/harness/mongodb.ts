// Managed by integration-harness: `copier update` rewrites this file.
/**
 * MongoDB fixtures: `mongodbUrl`, `mongodbClient`, `mongodb`.
 *
 * Isolation: each Vitest worker has a database of its own (`<database>_w<N>`,
 * e.g. `app_test_w1`), dropped (so empty) when the worker starts and dropped
 * when it ends. After every test each collection that holds documents is
 * emptied with `deleteMany({})`: collections and their indexes are kept (the
 * unique indexes your code creates once stay in force, and emptying is cheaper
 * than dropping and recreating). Before the first test the run empties the test
 * database's collections and drops the worker databases a killed run left.
 * MongoDB has no advisory lock to claim the database with, so two runs at once
 * on one database are not detected: give each (e.g. each CI job) a database of its own.
 *
 * The guard is the SQL databases' rule: every host of the URL must be loopback,
 * a compose service of this project or listed in `TEST_ALLOWED_HOSTS`, and the
 * database the URL names must have `test` as a whole word of its name.
 * `mongodb+srv://` URLs are refused: their hosts are only known from DNS.
 */
import { type Db, MongoClient, MongoParseError, MongoServerError } from "mongodb";
import type { TestAPI } from "vitest";
import { workerDatabaseName } from "./databases";
import { bounded, markStopped, Misconfigured, NotReady, stoppedReason } from "./readiness";
import { ensureDisposable, guardedUrl, redact, UnsafeTarget } from "./safety";
import { serviceOf } from "./services";
import type { Settings, SettingsFixtures } from "./settings";

/** Who this service is (from the catalogue, see `services.ts`). */
export const SERVICE = serviceOf("mongodb");
/** Server error codes that retrying will not fix (unauthorized, authentication failed). */
const PERMANENT_CODES = [13, 18];

/** Where a MongoDB URL points: its hosts and the database it names. */
export interface MongoTarget {
  hosts: string[];
  /** The database the URL names; "" when it names none. */
  database: string;
}

/** Read `url` as the driver will; throws naming the problem for anything it cannot judge. */
export function mongoTarget(url: string): MongoTarget {
  const match = /^mongodb:\/\/(?:[^@/?#]*@)?([^/?#]*)(\/[^?#]*)?(?:\?[^#]*)?$/.exec(url);
  if (match === null) {
    throw new Error(
      `${SERVICE.urlVar} must start with mongodb:// (a mongodb+srv:// URL's hosts are only known from DNS; ` +
        `name them), not ${redact(url)}`,
    );
  }
  const hosts = match[1]
    .split(",")
    .map((host) => decodeURIComponent(host.trim()))
    .map((host) => (host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d*$/, "")))
    .filter((host) => host !== "");
  return { hosts, database: decodeURIComponent((match[2] ?? "").slice(1)) };
}

/** `url` pointed at `database` (options kept). */
export function urlForDatabase(url: string, database: string): string {
  return url.replace(/^(mongodb:\/\/[^/?#]*)(\/[^?#]*)?/, `$1/${encodeURIComponent(database)}`);
}

/** Refuse `url` unless it is a disposable test database (see `safety`). */
export async function guard(url: string, settings: Settings): Promise<void> {
  const { hosts, database } = mongoTarget(url);
  await ensureDisposable(SERVICE.title, url, hosts, settings.allowedHosts, database);
}

/** A client whose server selection and connects give up after `timeoutSeconds`. */
function newClient(url: string, timeoutSeconds: number): MongoClient {
  const milliseconds = Math.max(1000, timeoutSeconds * 1000);
  return new MongoClient(url, {
    serverSelectionTimeoutMS: milliseconds,
    connectTimeoutMS: milliseconds,
  });
}

/** Ping once; describe the server, or throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  let client: MongoClient;
  try {
    client = newClient(url, timeoutSeconds);
  } catch (error) {
    throw new Misconfigured(error instanceof Error ? error.message : String(error));
  }
  try {
    const info = await bounded(
      client
        .db("admin")
        .command({ ping: 1 })
        .then(() => client.db("admin").command({ buildInfo: 1 })),
      timeoutSeconds + 1,
      "ping",
    );
    const product = "ferretdbVersion" in info ? " (FerretDB)" : "";
    return `${SERVICE.title} ${String(info.version ?? "?")}${product}`;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const permanent =
      error instanceof MongoParseError ||
      (error instanceof MongoServerError && PERMANENT_CODES.includes(Number(error.code)));
    throw permanent ? new Misconfigured(message) : new NotReady(message);
  } finally {
    await client.close(true).catch(() => undefined);
  }
}

/** The databases named like this run's workers' (`<database>_w1`, or pytest's `<database>_gw0`). */
export async function workerDatabaseNames(client: MongoClient, database: string): Promise<string[]> {
  const escaped = database.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${escaped}_(gw|w)\\d+$`);
  const { databases } = await client.db("admin").admin().listDatabases({ nameOnly: true });
  return databases.map((entry) => entry.name).filter((name) => pattern.test(name));
}

/** Empty every collection of `db` that holds documents (indexes kept); return the collections emptied. */
export async function emptyCollections(db: Db): Promise<string[]> {
  const emptied: string[] = [];
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections) {
    if (name.startsWith("system.")) continue;
    const collection = db.collection(name);
    if ((await collection.findOne({}, { projection: { _id: 1 } })) !== null) {
      await collection.deleteMany({});
      emptied.push(name);
    }
  }
  return emptied;
}

/**
 * Before the run: empty the test database's collections and drop the worker
 * databases a killed run left (`<database>_w1`, ...), so the run starts clean.
 */
export async function preflight(url: string, settings: Settings): Promise<void> {
  const { database } = mongoTarget(url);
  const client = newClient(url, settings.serviceTimeout);
  try {
    for (const name of await workerDatabaseNames(client, database)) await client.db(name).dropDatabase();
    await emptyCollections(client.db(database));
  } finally {
    await client.close(true);
  }
}

export interface MongodbFixtures {
  /** Worker: URL of this worker's own disposable database, dropped when the worker starts and ends (give it to code under test). */
  mongodbUrl: string;
  /** Worker: a `MongoClient` on `mongodbUrl` (its default database is this worker's own). */
  mongodbClient: MongoClient;
  /** Per test: this worker's `Db`; every collection with documents emptied after the test (indexes kept). */
  mongodb: Db;
}

/** Fail with one line naming MongoDB, and record it so later tests are skipped at once. */
function stopped(url: string, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  const message = `${SERVICE.title} at ${redact(url)} stopped answering (${reason}); the remaining tests that use it are skipped`;
  markStopped(SERVICE.title, message);
  const stop = new Error(redact(message));
  stop.stack = stop.message; // one line: no trace, no code frame
  return stop;
}

async function dropDatabase(url: string, name: string, timeoutSeconds: number): Promise<void> {
  const client = newClient(url, timeoutSeconds);
  try {
    await client.db(name).dropDatabase();
  } finally {
    await client.close(true);
  }
}

/** `test` with the MongoDB fixtures. */
export function withMongodb<T extends SettingsFixtures>(test: TestAPI<T>) {
  return test.extend<MongodbFixtures>({
    mongodbUrl: [
      async ({ harnessSettings: settings }, use) => {
        const url = await guardedUrl(settings, SERVICE.urlVar, guard);
        const name = workerDatabaseName(mongoTarget(url).database);
        const ownUrl = urlForDatabase(url, name);
        if (stoppedReason(SERVICE.title) !== undefined) return use(ownUrl); // the tests that need it are skipped
        await guard(ownUrl, settings);
        await dropDatabase(url, name, settings.serviceTimeout).catch((error) => {
          throw stopped(url, error);
        });
        await use(ownUrl);
        await dropDatabase(url, name, settings.serviceTimeout).catch(() => undefined); // the next run drops it first
      },
      { scope: "worker" },
    ],
    mongodbClient: [
      async ({ mongodbUrl, harnessSettings }, use) => {
        const client = newClient(mongodbUrl, harnessSettings.serviceTimeout);
        await use(client);
        await client.close(true);
      },
      { scope: "worker" },
    ],
    mongodb: async ({ mongodbClient, mongodbUrl, harnessSettings, skip }, use) => {
      if (stoppedReason(SERVICE.title) !== undefined) skip(); // the test that found it stopped said so, once
      const db = mongodbClient.db();
      await use(db);
      if (stoppedReason(SERVICE.title) !== undefined) return;
      await guard(mongodbUrl, harnessSettings);
      try {
        await emptyCollections(db);
      } catch (error) {
        if (error instanceof UnsafeTarget || error instanceof MongoServerError) throw error;
        throw stopped(mongodbUrl, error);
      }
    },
  });
}
