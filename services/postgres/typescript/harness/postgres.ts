// Managed by integration-harness: `copier update` rewrites this file.
/**
 * PostgreSQL fixtures: `databaseUrl`, `databaseSchema`, `db`, `cleanDb`.
 *
 * Override `databaseSchema` (your schema or migrations) and `cleanDbKeepTables`
 * (seed tables) with `test.extend(...)` in a file of yours rather than editing here.
 *
 * Isolation: `db` wraps each test in a transaction that is rolled back (about a
 * millisecond, nothing to clean); `cleanDb` is for code under test that commits
 * on its own connections and empties every table with rows before and after
 * the test. Each Vitest worker has a database of its own (`<database>_w<N>`),
 * created when the worker starts (then `databaseSchema` runs `schema/*.sql`) and dropped when it ends,
 * so a changed schema file or a killed run never carries over to the next run.
 *
 * The guard judges what `pg` itself will connect to: the URL as `pg` reads it,
 * with the `PG*` environment filling what the URL leaves out (`PGHOST`,
 * `PGPORT`, ...); a URL that names no database is refused, and the server is
 * asked `current_database()` before anything is cleaned. Every session has
 * `statement_timeout` 30 s and `lock_timeout` 10 s; a connection found broken
 * or busy after a test is replaced, so one stuck test does not fail the rest.
 */
import pg from "pg";
import type { TestAPI } from "vitest";
import {
  buildSchema,
  claimedByAnotherRun,
  KEPT_TABLES,
  SCHEMA_DIR,
  schemaFiles,
  useSqlDialect,
  workerDatabaseName,
} from "./databases";
import { bounded, markStopped, Misconfigured, NotReady, stoppedReason } from "./readiness";
import { ensureDisposable, ensureTestDatabase, guardedUrl, redact, UnsafeTarget } from "./safety";
import { serviceOf } from "./services";
import { loadSettings, type Settings, type SettingsFixtures } from "./settings";

/** Who this service is (from the catalogue, see `services.ts`). */
export const SERVICE = serviceOf("postgres");
const PERMANENT_ERRORS = ["28P01", "28000", "3D000", "42501"]; // auth, no such database, denied
/** Server-side bounds of every harness session (a stuck statement fails its own test). */
const STATEMENT_TIMEOUT_MS = 30_000;
const LOCK_TIMEOUT_MS = 10_000;

/** What `pg` will connect to for `url`, the `PG*` environment included. */
export interface PostgresTarget {
  hosts: string[];
  port: number;
  /** The database `pg` will use; "" when the URL names none (pg would fall back to PGDATABASE or the user name). */
  database: string;
  /** Other database names the URL gives (`?dbname=`), which libpq would use: judged too. */
  otherNames: string[];
}

/** Read `url` as `pg` does; throws naming the problem for anything it cannot judge. */
export function postgresTarget(url: string): PostgresTarget {
  const parsed = URL.canParse(url.replace("@/", "@localhost/")) ? new URL(url.replace("@/", "@localhost/")) : null;
  if (parsed === null || (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:")) {
    throw new Error(`${SERVICE.urlVar} must be a postgresql:// URL, not ${redact(url)}`);
  }
  if (parsed.searchParams.has("service")) {
    throw new Error(`${SERVICE.urlVar} uses a pg_service entry; name the host and database explicitly`);
  }
  const resolved = new pg.Client({ connectionString: url }); // pg's own reading: URL, then PG*, then defaults
  const path = /^[a-z]+:\/\/[^/?#]*(\/[^?#]*)?/i.exec(url)?.[1] ?? "";
  const named = decodeURIComponent(path.slice(1));
  const hosts = [resolved.host, ...parsed.searchParams.getAll("hostaddr")];
  return {
    hosts: hosts.filter((host) => host !== undefined && host !== ""),
    port: resolved.port,
    database: named ? (resolved.database ?? "") : "",
    otherNames: [...parsed.searchParams.getAll("dbname"), ...parsed.searchParams.getAll("database")],
  };
}

/** Refuse `url` unless it is a disposable test database (see `safety`). */
export async function guard(url: string, settings: Settings): Promise<void> {
  const { hosts, database, otherNames } = postgresTarget(url);
  await ensureDisposable(SERVICE.title, url, hosts, settings.allowedHosts, database);
  for (const name of otherNames) ensureTestDatabase(SERVICE.title, url, name);
}

/** A client for `url` with bounded connects and statements. */
function newClient(url: string, timeoutSeconds: number): pg.Client {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutSeconds * 1000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    lock_timeout: LOCK_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
  });
  client.on("error", () => undefined); // a lost connection fails the query that needs it
  return client;
}

async function connected(url: string, timeoutSeconds: number): Promise<pg.Client> {
  const client = newClient(url, timeoutSeconds);
  await bounded(client.connect(), timeoutSeconds + 1, `${SERVICE.title} at ${redact(url)}`, () =>
    client.connection.stream.destroy(),
  );
  return client;
}

/** Close `client` without waiting on a server that may not answer (its socket is dropped). */
async function close(client: pg.Client): Promise<void> {
  await bounded(client.end(), 2, SERVICE.title, () => client.connection.stream.destroy()).catch(() => undefined);
}

/** Connect once; describe the server, or throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  const client = newClient(url, timeoutSeconds);
  try {
    await client.connect();
    const { rows } = await bounded(
      client.query<{ server_version: string }>("SHOW server_version"),
      timeoutSeconds,
      "SHOW server_version",
    );
    return `${SERVICE.title} ${rows[0].server_version.split(" ")[0]}`;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = error instanceof Error ? error.message : String(error);
    throw code && PERMANENT_ERRORS.includes(code) ? new Misconfigured(message) : new NotReady(message);
  } finally {
    await close(client);
  }
}

let runLock: pg.Client | undefined;

/** Ask the server which database this connection really reached; refuse unless it is a test database. */
async function ensureServerDatabase(client: pg.Client, url: string, timeoutSeconds: number): Promise<string> {
  const { rows } = await bounded(
    client.query<{ name: string }>("SELECT current_database() AS name"),
    timeoutSeconds,
    `${SERVICE.title} at ${redact(url)}`,
  );
  ensureTestDatabase(SERVICE.title, url, rows[0].name);
  return rows[0].name;
}

/**
 * Before the run: claim the database, or refuse if another run has it. The claim
 * is an advisory lock held by the global setup until the run ends, so two runs
 * at once cannot empty each other's tables or drop each other's databases. Then
 * the rows a killed run may have left in it are emptied.
 */
export async function preflight(url: string, settings: Settings): Promise<void> {
  const timeout = settings.serviceTimeout;
  const client = await connected(url, timeout);
  try {
    const database = await ensureServerDatabase(client, url, timeout);
    const { rows } = await bounded(
      client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS locked", [
        `integration-harness:${database}`,
      ]),
      timeout,
      `${SERVICE.title} at ${redact(url)}`,
    );
    if (!rows[0].locked) {
      throw claimedByAnotherRun(SERVICE, database, url);
    }
    await truncateTablesWithRows(client);
  } catch (error) {
    await close(client);
    throw error;
  }
  runLock = client;
}

export async function release(): Promise<void> {
  if (runLock !== undefined) await close(runLock);
  runLock = undefined;
}

async function adminQuery(url: string, sql: string, timeoutSeconds: number): Promise<void> {
  const client = await connected(url, timeoutSeconds);
  try {
    await client.query(sql);
  } finally {
    await close(client);
  }
}

useSqlDialect({
  client: "pg",
  connection: (url, timeoutSeconds) => ({
    connectionString: url,
    connectionTimeoutMillis: timeoutSeconds * 1000,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    lock_timeout: LOCK_TIMEOUT_MS,
  }),
  quote: (name) => pg.escapeIdentifier(name),
  withDatabase: (url, name) => {
    const own = new URL(url.replace("@/", "@localhost/"));
    own.pathname = `/${name}`;
    return url.includes("@/") ? own.toString().replace("@localhost/", "@/") : own.toString();
  },
});

/** Run every `schema/*.sql` file in name order; return the names run. */
export async function applySchemaFiles(
  databaseUrl: string,
  folder = SCHEMA_DIR,
  timeoutSeconds = loadSettings().serviceTimeout,
): Promise<string[]> {
  const files = schemaFiles(folder);
  for (const file of files) await adminQuery(databaseUrl, file.sql, timeoutSeconds);
  return files.map((file) => file.name);
}

/** Empty every user table that has rows, except `keep` (`"table"` or `"schema.table"`); return the tables emptied. */
export async function truncateTablesWithRows(client: pg.Client, keep: Iterable<string> = []): Promise<string[]> {
  const kept = new Set(keep);
  const { rows: found } = await client.query<{ name: string; schema: string; table: string }>(
    "SELECT format('%I.%I', n.nspname, c.relname) AS name, n.nspname AS schema, c.relname AS table FROM pg_class c " +
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') " +
      "AND NOT c.relispartition AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'",
  );
  const tables = found.filter(
    ({ schema, table }) => !kept.has(table) && !kept.has(`${schema}.${table}`) && !KEPT_TABLES.has(table),
  );
  const dirty: string[] = [];
  for (const { name } of tables) {
    const { rowCount } = await client.query(`SELECT 1 FROM ${name} LIMIT 1`);
    if (rowCount) dirty.push(name);
  }
  if (dirty.length > 0) await client.query(`TRUNCATE ${dirty.join(", ")} RESTART IDENTITY CASCADE`);
  return dirty;
}

/** A worker's session connection; replaced when a test leaves it broken or busy. */
export class Session {
  private pid = 0;
  private broken = false;

  private constructor(
    private readonly url: string,
    private readonly timeout: number,
    public client: pg.Client,
  ) {}

  /** A session that never connected (its service stopped answering): the tests that need it are skipped. */
  static unopened(url: string, timeout: number): Session {
    const session = new Session(url, timeout, newClient(url, timeout));
    session.broken = true;
    return session;
  }

  static async open(url: string, timeout: number): Promise<Session> {
    const session = new Session(url, timeout, await connected(url, timeout));
    await session.identify();
    return session;
  }

  private async identify(): Promise<void> {
    this.client.on("error", () => (this.broken = true));
    this.client.on("end", () => (this.broken = true));
    const { rows } = await this.client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    this.pid = rows[0].pid;
  }

  /** Run `sql` within the service timeout; a connection that cannot is ended and replaced next time. */
  async run(sql: string): Promise<void> {
    try {
      await bounded(this.client.query(sql), this.timeout, `${SERVICE.title} ${sql}`);
    } catch (error) {
      await this.discard();
      throw error;
    }
  }

  /** A working connection: the current one, or a new one if the last test broke it. */
  async ready(): Promise<pg.Client> {
    if (this.broken) {
      this.client = await connected(this.url, this.timeout);
      this.broken = false;
      await this.identify();
    }
    return this.client;
  }

  /** End a broken or busy connection; its server process is ended too, so it holds no locks. */
  async discard(): Promise<void> {
    this.broken = true;
    const stuck = this.client;
    await close(stuck);
    const admin = await connected(this.url, this.timeout).catch(() => undefined);
    if (admin === undefined) throw new Error(`${SERVICE.title} at ${redact(this.url)} does not answer`);
    try {
      await bounded(admin.query("SELECT pg_terminate_backend($1)", [this.pid]), this.timeout, SERVICE.title);
    } finally {
      await close(admin);
    }
  }

  async end(): Promise<void> {
    await close(this.client);
  }
}

export interface PostgresFixtures {
  /** Worker: URL of this worker's own disposable database, created empty (give it to code under test). */
  databaseUrl: string;
  /** Worker: builds the schema once per worker (every `schema/*.sql` in name order); override to run migrations; `db` and `cleanDb` depend on it. */
  databaseSchema: void;
  /** Worker: tables `cleanDb` never empties (`"table"` or `"schema.table"`); override for seed data. */
  cleanDbKeepTables: ReadonlySet<string>;
  /** Per test: a pg Client in a transaction rolled back after the test. */
  db: pg.Client;
  /** Per test: for code that commits on its own connections; every table with rows emptied before and after. */
  cleanDb: pg.Client;
}

interface PostgresWorkerFixtures {
  /** The connection `db` runs its transactions on. */
  postgresSession: Session;
  /** The autocommit connection `cleanDb` empties tables with. */
  postgresCleanSession: Session;
}

/** Fail with one line naming PostgreSQL, and record it so later tests are skipped at once. */
function stopped(url: string, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  const message = `${SERVICE.title} at ${redact(url)} stopped answering (${reason}); the remaining tests that use it are skipped`;
  markStopped(SERVICE.title, message);
  const stop = new Error(redact(message));
  stop.stack = stop.message; // one line: no trace, no code frame
  return stop;
}

async function session(databaseUrl: string, timeout: number, use: (session: Session) => Promise<void>): Promise<void> {
  if (stoppedReason(SERVICE.title) !== undefined) return use(Session.unopened(databaseUrl, timeout));
  const opened = await Session.open(databaseUrl, timeout).catch((error) => {
    throw stopped(databaseUrl, error);
  });
  await use(opened);
  await opened.end();
}

/** `test` with the PostgreSQL fixtures. */
export function withPostgres<T extends SettingsFixtures>(test: TestAPI<T>) {
  return test.extend<PostgresFixtures & PostgresWorkerFixtures>({
    databaseUrl: [
      async ({ harnessSettings: settings }, use) => {
        const url = await guardedUrl(settings, SERVICE.urlVar, guard);
        const name = workerDatabaseName(postgresTarget(url).database);
        const own = new URL(url.replace("@/", "@localhost/"));
        own.pathname = `/${name}`;
        const ownUrl = url.includes("@/") ? own.toString().replace("@localhost/", "@/") : own.toString();
        if (stoppedReason(SERVICE.title) !== undefined) return use(ownUrl); // the tests that need it are skipped
        const timeout = settings.serviceTimeout;
        try {
          await adminQuery(url, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`, timeout);
          await adminQuery(url, `CREATE DATABASE ${pg.escapeIdentifier(name)}`, timeout);
        } catch (error) {
          if (error instanceof Error && "code" in error) throw error; // the server's own reason
          throw stopped(url, error);
        }
        await use(ownUrl);
        await adminQuery(url, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`, timeout).catch(
          () => undefined, // the next run drops it first
        );
      },
      { scope: "worker" },
    ],
    databaseSchema: [
      async ({ databaseUrl, harnessSettings }, use) => {
        if (stoppedReason(SERVICE.title) === undefined) {
          const timeout = harnessSettings.serviceTimeout;
          await buildSchema(databaseUrl, timeout, () => applySchemaFiles(databaseUrl, SCHEMA_DIR, timeout));
        }
        await use(undefined);
      },
      { scope: "worker" },
    ],
    // eslint-disable-next-line no-empty-pattern
    cleanDbKeepTables: [async ({}, use) => use(new Set<string>()), { scope: "worker" }],
    postgresSession: [
      async ({ databaseUrl, databaseSchema, harnessSettings }, use) => {
        void databaseSchema; // asked for so that the schema exists first
        await session(databaseUrl, harnessSettings.serviceTimeout, use);
      },
      { scope: "worker" },
    ],
    postgresCleanSession: [
      async ({ databaseUrl, databaseSchema, harnessSettings }, use) => {
        void databaseSchema; // asked for so that the schema exists first
        await session(databaseUrl, harnessSettings.serviceTimeout, use);
      },
      { scope: "worker" },
    ],
    db: async ({ postgresSession, databaseUrl, skip }, use) => {
      if (stoppedReason(SERVICE.title) !== undefined) skip(); // the test that found it stopped said so, once
      let client: pg.Client;
      try {
        client = await postgresSession.ready();
        await postgresSession.run("BEGIN");
      } catch (error) {
        throw stopped(databaseUrl, error);
      }
      try {
        await use(client);
      } finally {
        if (stoppedReason(SERVICE.title) === undefined) {
          await postgresSession.run("ROLLBACK").catch((error) => {
            if (/does not answer/.test(String(error))) throw stopped(databaseUrl, error);
            // busy or broken: ended and replaced before the next test
          });
        }
      }
    },
    cleanDb: async ({ postgresCleanSession, databaseUrl, cleanDbKeepTables, skip, harnessSettings }, use) => {
      if (stoppedReason(SERVICE.title) !== undefined) skip(); // the test that found it stopped said so, once
      await guard(databaseUrl, harnessSettings);
      const timeout = harnessSettings.serviceTimeout;
      let client: pg.Client;
      try {
        client = await postgresCleanSession.ready();
        await ensureServerDatabase(client, databaseUrl, timeout);
        await bounded(truncateTablesWithRows(client, cleanDbKeepTables), timeout + STATEMENT_TIMEOUT_MS / 1000, SERVICE.title);
      } catch (error) {
        if (error instanceof UnsafeTarget || (error instanceof Error && "code" in error)) throw error;
        throw stopped(databaseUrl, error);
      }
      try {
        await use(client);
      } finally {
        if (stoppedReason(SERVICE.title) === undefined) {
          try {
            await bounded(truncateTablesWithRows(client, cleanDbKeepTables), timeout + STATEMENT_TIMEOUT_MS / 1000, SERVICE.title);
          } catch (error) {
            await postgresCleanSession.discard().catch((lost) => {
              throw stopped(databaseUrl, lost);
            });
            throw error;
          }
        }
      }
    },
  });
}
