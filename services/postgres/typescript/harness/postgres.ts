// Managed by integration-harness: `copier update` rewrites this file.
/**
 * PostgreSQL fixtures: `databaseUrl`, `db`, `cleanDb`.
 *
 * Isolation: `db` wraps each test in a transaction that is rolled back (about a
 * millisecond, nothing to clean); `cleanDb` is for code under test that commits
 * on its own connections and empties every table with rows before and after
 * the test. Each Vitest worker has a database of its own (`<database>_w<N>`),
 * created from `schema/*.sql` when the worker starts and dropped when it ends,
 * so a changed schema file or a killed run never carries over to the next run.
 *
 * The guard judges what `pg` itself will connect to: the URL as `pg` reads it,
 * with the `PG*` environment filling what the URL leaves out (`PGHOST`,
 * `PGPORT`, ...); a URL that names no database is refused, and the server is
 * asked `current_database()` before anything is cleaned. Every session has
 * `statement_timeout` 30 s and `lock_timeout` 10 s; a connection found broken
 * or busy after a test is replaced, so one stuck test does not fail the rest.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { TestAPI } from "vitest";
import { bounded, markStopped, Misconfigured, NotReady, stoppedReason } from "./readiness";
import { ensureDisposable, ensureTestDatabase, redact, UnsafeTarget } from "./safety";
import { loadSettings, workerId, type Settings } from "./settings";

export const TITLE = "PostgreSQL";
export const URL_VAR = "TEST_DATABASE_URL";
const PERMANENT_ERRORS = ["28P01", "28000", "3D000", "42501"]; // auth, no such database, denied
const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "schema");
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
    throw new Error(`${URL_VAR} must be a postgresql:// URL, not ${redact(url)}`);
  }
  if (parsed.searchParams.has("service")) {
    throw new Error(`${URL_VAR} uses a pg_service entry; name the host and database explicitly`);
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
  await ensureDisposable(TITLE, url, hosts, settings.allowedHosts, database);
  for (const name of otherNames) ensureTestDatabase(TITLE, url, name);
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
  await bounded(client.connect(), timeoutSeconds + 1, `${TITLE} at ${redact(url)}`, () =>
    client.connection.stream.destroy(),
  );
  return client;
}

/** Close `client` without waiting on a server that may not answer (its socket is dropped). */
async function close(client: pg.Client): Promise<void> {
  await bounded(client.end(), 2, TITLE, () => client.connection.stream.destroy()).catch(() => undefined);
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
    return `${TITLE} ${rows[0].server_version.split(" ")[0]}`;
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
    `${TITLE} at ${redact(url)}`,
  );
  ensureTestDatabase(TITLE, url, rows[0].name);
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
      `${TITLE} at ${redact(url)}`,
    );
    if (!rows[0].locked) {
      throw new UnsafeTarget(
        `Another test run is using ${TITLE} database '${database}' at ${redact(url)} right now. ` +
          `Wait for it to finish, or give this run a database of its own in ${URL_VAR} ` +
          `('test' must be a whole word of its name).`,
      );
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

async function adminQuery(url: string, sql: string): Promise<void> {
  const timeout = loadSettings().serviceTimeout;
  const client = await connected(url, timeout);
  try {
    await client.query(sql);
  } finally {
    await close(client);
  }
}

/** Run every `schema/*.sql` file in name order; return the names run. */
export async function applySchemaFiles(databaseUrl: string, folder = SCHEMA_DIR): Promise<string[]> {
  let files: string[];
  try {
    files = readdirSync(folder).filter((name) => name.endsWith(".sql")).sort();
  } catch {
    return [];
  }
  for (const file of files) await adminQuery(databaseUrl, readFileSync(join(folder, file), "utf8"));
  return files;
}

/** Empty every user table that has rows; return the tables emptied. */
export async function truncateTablesWithRows(client: pg.Client): Promise<string[]> {
  const { rows: tables } = await client.query<{ name: string }>(
    "SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c " +
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') " +
      "AND NOT c.relispartition AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'",
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
      await bounded(this.client.query(sql), this.timeout, `${TITLE} ${sql}`);
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
    if (admin === undefined) throw new Error(`${TITLE} at ${redact(this.url)} does not answer`);
    try {
      await bounded(admin.query("SELECT pg_terminate_backend($1)", [this.pid]), this.timeout, TITLE);
    } finally {
      await close(admin);
    }
  }

  async end(): Promise<void> {
    await close(this.client);
  }
}

export interface PostgresFixtures {
  /** Worker: URL of this worker's own disposable database, schema applied. */
  databaseUrl: string;
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
  const message = `${TITLE} at ${redact(url)} stopped answering (${reason}); the remaining tests that use it are skipped`;
  markStopped(TITLE, message);
  const stop = new Error(redact(message));
  stop.stack = stop.message; // one line: no trace, no code frame
  return stop;
}

async function session(databaseUrl: string, use: (session: Session) => Promise<void>): Promise<void> {
  const timeout = loadSettings().serviceTimeout;
  if (stoppedReason(TITLE) !== undefined) return use(Session.unopened(databaseUrl, timeout));
  const opened = await Session.open(databaseUrl, timeout).catch((error) => {
    throw stopped(databaseUrl, error);
  });
  await use(opened);
  await opened.end();
}

/** `test` with the PostgreSQL fixtures. */
export function withPostgres<T extends object>(test: TestAPI<T>) {
  return test.extend<PostgresFixtures & PostgresWorkerFixtures>({
    databaseUrl: [
      // eslint-disable-next-line no-empty-pattern
      async ({}, use) => {
        const settings = loadSettings();
        const url = settings.url(URL_VAR);
        await guard(url, settings);
        const name = `${postgresTarget(url).database}_w${workerId()}`;
        const own = new URL(url.replace("@/", "@localhost/"));
        own.pathname = `/${name}`;
        const ownUrl = url.includes("@/") ? own.toString().replace("@localhost/", "@/") : own.toString();
        if (stoppedReason(TITLE) !== undefined) return use(ownUrl); // the tests that need it are skipped
        try {
          await adminQuery(url, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
          await adminQuery(url, `CREATE DATABASE ${pg.escapeIdentifier(name)}`);
        } catch (error) {
          if (error instanceof Error && "code" in error) throw error; // the server's own reason
          throw stopped(url, error);
        }
        await applySchemaFiles(ownUrl);
        await use(ownUrl);
        await adminQuery(url, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`).catch(
          () => undefined, // the next run drops it first
        );
      },
      { scope: "worker" },
    ],
    postgresSession: [async ({ databaseUrl }, use) => session(databaseUrl, use), { scope: "worker" }],
    postgresCleanSession: [async ({ databaseUrl }, use) => session(databaseUrl, use), { scope: "worker" }],
    db: async ({ postgresSession, databaseUrl, skip }, use) => {
      if (stoppedReason(TITLE) !== undefined) skip(); // the test that found it stopped said so, once
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
        if (stoppedReason(TITLE) === undefined) {
          await postgresSession.run("ROLLBACK").catch((error) => {
            if (/does not answer/.test(String(error))) throw stopped(databaseUrl, error);
            // busy or broken: ended and replaced before the next test
          });
        }
      }
    },
    cleanDb: async ({ postgresCleanSession, databaseUrl, skip }, use) => {
      if (stoppedReason(TITLE) !== undefined) skip(); // the test that found it stopped said so, once
      await guard(databaseUrl, loadSettings());
      const timeout = loadSettings().serviceTimeout;
      let client: pg.Client;
      try {
        client = await postgresCleanSession.ready();
        await ensureServerDatabase(client, databaseUrl, timeout);
        await bounded(truncateTablesWithRows(client), timeout + STATEMENT_TIMEOUT_MS / 1000, TITLE);
      } catch (error) {
        if (error instanceof UnsafeTarget || (error instanceof Error && "code" in error)) throw error;
        throw stopped(databaseUrl, error);
      }
      try {
        await use(client);
      } finally {
        if (stoppedReason(TITLE) === undefined) {
          try {
            await bounded(truncateTablesWithRows(client), timeout + STATEMENT_TIMEOUT_MS / 1000, TITLE);
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
