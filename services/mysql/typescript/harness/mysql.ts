// Managed by integration-harness: `copier update` rewrites this file.
/**
 * MySQL and MariaDB fixtures: `databaseUrl`, `databaseSchema`, `db`, `cleanDb` (the same as for PostgreSQL).
 *
 * Override `databaseSchema` (your schema or migrations) and `cleanDbKeepTables`
 * (seed tables) with `test.extend(...)` in a file of yours rather than editing here.
 *
 * Isolation: `db` wraps each test in a transaction that is rolled back. MySQL ends
 * a transaction at any DDL statement, so tests that run DDL use `cleanDb`, which
 * empties every table with rows before and after the test. Each Vitest worker
 * has a database of its own (`<database>_w<N>`), created when the worker starts
 * (then `databaseSchema` runs `schema/*.sql`), so a changed schema file or a
 * killed run never carries over to the next run.
 *
 * Identifiers are always quoted with backticks (embedded backticks doubled), the
 * server is asked `DATABASE()` before anything is cleaned, and every session has
 * bounded statements and lock waits; connects and harness queries are bounded
 * by `TEST_SERVICE_TIMEOUT`.
 */
import mysql from "mysql2/promise";
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
export const SERVICE = serviceOf("mysql");
/** Seconds a connect may take where no settings are at hand (as `TEST_SERVICE_TIMEOUT`'s default). */
const DEFAULT_CONNECT_TIMEOUT = 10;
const PERMANENT_ERRORS = [1045, 1049, 1130, 1251, 1698]; // access denied, unknown database, ...
/** Session bounds, in the form each server accepts (unknown ones are skipped). */
const SESSION_BOUNDS = [
  "SET SESSION max_statement_time = 30", // MariaDB, seconds
  "SET SESSION max_execution_time = 30000", // MySQL, milliseconds (SELECT)
  "SET SESSION innodb_lock_wait_timeout = 10",
  "SET SESSION lock_wait_timeout = 10",
];

/** `name` as a MySQL identifier: in backticks, embedded backticks doubled. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}

/** mysql2's connection options for `url`: the one parse every fixture uses. */
export function connectOptions(url: string, timeoutSeconds = DEFAULT_CONNECT_TIMEOUT): mysql.ConnectionOptions {
  const parsed = new URL(url);
  if (parsed.protocol !== "mysql:" && parsed.protocol !== "mariadb:") {
    throw new Error(`${SERVICE.urlVar} must start with mysql://`);
  }
  const unknown = [...parsed.searchParams.keys()].filter((key) => key !== "charset");
  if (unknown.length > 0) throw new Error(`${SERVICE.urlVar}: unsupported option ${unknown.join(", ")}`);
  const database = decodeURIComponent(parsed.pathname.slice(1));
  return {
    host: decodeURIComponent(parsed.hostname),
    port: Number(parsed.port || 3306),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database,
    charset: parsed.searchParams.get("charset") ?? "utf8mb4",
    connectTimeout: timeoutSeconds * 1000,
  };
}

/** Refuse `url` unless it is a disposable test database (see `safety`). */
export async function guard(url: string, settings: Settings): Promise<void> {
  const { host, database } = connectOptions(url);
  await ensureDisposable(SERVICE.title, url, [host ?? ""], settings.allowedHosts, database ?? "");
}

/** A connection to `url` with the session bounds set; the connect itself is bounded. */
async function connect(url: string, timeout: number): Promise<mysql.Connection> {
  const conn = await bounded(mysql.createConnection(connectOptions(url, timeout)), timeout + 1, `${SERVICE.title} at ${redact(url)}`);
  conn.on("error", () => undefined); // a lost connection fails the query that needs it
  for (const statement of SESSION_BOUNDS) {
    await conn.query({ sql: statement, timeout: timeout * 1000 }).catch((error: { errno?: number }) => {
      if (error.errno !== 1193) throw error; // 1193: this server has no such variable
    });
  }
  return conn;
}

/** Close `conn` without waiting on a server that may not answer. */
async function close(conn: mysql.Connection): Promise<void> {
  await bounded(conn.end(), 2, SERVICE.title).catch(() => conn.destroy());
}

/** Ask the server which database this connection really reached; refuse unless it is a test database. */
async function ensureServerDatabase(conn: mysql.Connection, url: string, timeout: number): Promise<string> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>({ sql: "SELECT DATABASE() AS name", timeout: timeout * 1000 });
  const name = String(rows[0].name ?? "");
  ensureTestDatabase(SERVICE.title, url, name);
  return name;
}

/** Connect once; describe the server, or throw NotReady / Misconfigured. */
export async function probe(url: string, timeoutSeconds: number): Promise<string> {
  let conn: mysql.Connection | undefined;
  try {
    conn = await mysql.createConnection({ ...connectOptions(url), connectTimeout: timeoutSeconds * 1000 });
    conn.on("error", () => undefined);
    const [rows] = await conn.query<mysql.RowDataPacket[]>({
      sql: "SELECT VERSION() AS version",
      timeout: timeoutSeconds * 1000,
    });
    const version = String(rows[0].version);
    const name = version.toLowerCase().includes("mariadb") ? "MariaDB" : "MySQL";
    return `${name} ${version.replace(/^5\.5\.5-/, "").split("-")[0]}`;
  } catch (error) {
    const errno = (error as { errno?: number }).errno;
    const message = error instanceof Error ? error.message : String(error);
    throw errno !== undefined && PERMANENT_ERRORS.includes(errno) ? new Misconfigured(message) : new NotReady(message);
  } finally {
    if (conn !== undefined) await close(conn);
  }
}

let runLock: mysql.Connection | undefined;

/**
 * Before the run: claim the database with a named lock held until the run ends,
 * or refuse; then empty the rows a killed run may have left in it.
 */
export async function preflight(url: string, settings: Settings): Promise<void> {
  const timeout = settings.serviceTimeout;
  const conn = await connect(url, timeout);
  try {
    const database = await ensureServerDatabase(conn, url, timeout);
    const [rows] = await conn.query<mysql.RowDataPacket[]>("SELECT GET_LOCK(?, 0) AS locked", [
      `integration-harness:${database}`,
    ]);
    if (rows[0].locked !== 1) {
      throw claimedByAnotherRun(SERVICE, database, url);
    }
    await truncateTablesWithRows(conn);
  } catch (error) {
    await close(conn);
    throw error;
  }
  runLock = conn;
}

export async function release(): Promise<void> {
  if (runLock !== undefined) await close(runLock);
  runLock = undefined;
}

async function run(url: string, statements: string[], timeout: number): Promise<void> {
  const conn = await connect(url, timeout);
  try {
    for (const statement of statements) await conn.query(statement);
  } finally {
    await close(conn);
  }
}

/** The statements of a plain SQL script (`;` at line ends; `--` comments dropped). */
useSqlDialect({
  client: "mysql2",
  connection: (url, timeoutSeconds) => connectOptions(url, timeoutSeconds),
  quote: quoteIdentifier,
  withDatabase: (url, name) => {
    const own = new URL(url);
    own.pathname = `/${encodeURIComponent(name)}`;
    return own.toString();
  },
});

export function splitStatements(script: string): string[] {
  const lines = script.split("\n").filter((line) => line.trim() && !line.trim().startsWith("--"));
  return lines
    .join("\n")
    .split(/;\s*\n/)
    .map((statement) => statement.trim().replace(/;$/, ""))
    .filter(Boolean);
}

/** Run every `schema/*.sql` file in name order, statement by statement. */
export async function applySchemaFiles(
  databaseUrl: string,
  folder = SCHEMA_DIR,
  timeoutSeconds = loadSettings().serviceTimeout,
): Promise<string[]> {
  const files = schemaFiles(folder);
  for (const file of files) await run(databaseUrl, splitStatements(file.sql), timeoutSeconds);
  return files.map((file) => file.name);
}

/** Empty every table of the connection's database that has rows, except `keep`; return their names. */
export async function truncateTablesWithRows(conn: mysql.Connection, keep: Iterable<string> = []): Promise<string[]> {
  const kept = new Set(keep);
  const [tables] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT table_name AS name FROM information_schema.tables " +
      "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'",
  );
  const dirty: string[] = [];
  for (const { name } of tables.filter((table) => !kept.has(String(table.name)) && !KEPT_TABLES.has(String(table.name)))) {
    const [rows] = await conn.query<mysql.RowDataPacket[]>(`SELECT 1 FROM ${quoteIdentifier(String(name))} LIMIT 1`);
    if (rows.length) dirty.push(String(name));
  }
  if (dirty.length > 0) {
    // TRUNCATE refuses tables that foreign keys point at, even empty ones.
    await conn.query("SET SESSION foreign_key_checks = 0");
    try {
      for (const name of dirty) await conn.query(`TRUNCATE TABLE ${quoteIdentifier(name)}`);
    } finally {
      await conn.query("SET SESSION foreign_key_checks = 1");
    }
  }
  return dirty;
}

export interface MysqlFixtures {
  /** Worker: URL of this worker's own disposable database, created empty (give it to code under test). */
  databaseUrl: string;
  /** Worker: builds the schema once per worker (every `schema/*.sql` in name order); override to run migrations; `db` and `cleanDb` depend on it. */
  databaseSchema: void;
  /** Worker: tables `cleanDb` never empties (`"table"`); override for seed data. */
  cleanDbKeepTables: ReadonlySet<string>;
  /** Per test: a mysql2 connection in a transaction rolled back after the test. */
  db: mysql.Connection;
  /** Per test: for code that commits on its own connections; every table with rows emptied before and after. */
  cleanDb: mysql.Connection;
}

interface MysqlWorkerFixtures {
  /** Worker: the connection `db` runs its transactions on. */
  mysqlWorkerConnection: mysql.Connection;
  /** Worker: the autocommit connection `cleanDb` empties tables with. */
  mysqlCleanConnection: mysql.Connection;
}

/** Fail with one line naming the server, and record it so later tests are skipped at once. */
function stopped(url: string, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  if (error instanceof UnsafeTarget || (error instanceof Error && "sqlState" in error)) return error; // the server's own reason
  const message = `${SERVICE.title} at ${redact(url)} stopped answering (${reason}); the remaining tests that use it are skipped`;
  markStopped(SERVICE.title, message);
  const stop = new Error(redact(message));
  stop.stack = stop.message; // one line: no trace, no code frame
  return stop;
}

/** `test` with the MySQL/MariaDB fixtures. */
export function withMysql<T extends SettingsFixtures>(test: TestAPI<T>) {
  const connection = async (
    { databaseUrl, databaseSchema, harnessSettings }: { databaseUrl: string; databaseSchema: void } & SettingsFixtures,
    use: (c: mysql.Connection) => Promise<void>,
  ) => {
    void databaseSchema; // asked for so that the schema exists first
    const conn = await connect(databaseUrl, harnessSettings.serviceTimeout).catch((error) => {
      throw stopped(databaseUrl, error);
    });
    await use(conn);
    await close(conn);
  };
  return test.extend<MysqlFixtures & MysqlWorkerFixtures>({
    databaseUrl: [
      async ({ harnessSettings: settings }, use) => {
        const url = await guardedUrl(settings, SERVICE.urlVar, guard);
        const timeout = settings.serviceTimeout;
        const name = workerDatabaseName(connectOptions(url).database ?? "");
        await run(url, [`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`, `CREATE DATABASE ${quoteIdentifier(name)}`], timeout);
        const own = new URL(url);
        own.pathname = `/${encodeURIComponent(name)}`;
        await use(own.toString());
        await run(url, [`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`], timeout).catch(() => undefined);
      },
      { scope: "worker" },
    ],
    databaseSchema: [
      async ({ databaseUrl, harnessSettings }, use) => {
        const timeout = harnessSettings.serviceTimeout;
        await buildSchema(databaseUrl, timeout, () => applySchemaFiles(databaseUrl, SCHEMA_DIR, timeout));
        await use(undefined);
      },
      { scope: "worker" },
    ],
    // eslint-disable-next-line no-empty-pattern
    cleanDbKeepTables: [async ({}, use) => use(new Set<string>()), { scope: "worker" }],
    mysqlWorkerConnection: [connection, { scope: "worker" }],
    mysqlCleanConnection: [connection, { scope: "worker" }],
    db: async ({ mysqlWorkerConnection, databaseUrl, harnessSettings, skip }, use) => {
      if (stoppedReason(SERVICE.title) !== undefined) skip(); // the test that found it stopped said so, once
      const timeout = harnessSettings.serviceTimeout * 1000;
      await mysqlWorkerConnection.query({ sql: "BEGIN", timeout }).catch((error) => {
        throw stopped(databaseUrl, error);
      });
      try {
        await use(mysqlWorkerConnection);
      } finally {
        if (stoppedReason(SERVICE.title) === undefined) {
          await mysqlWorkerConnection.query({ sql: "ROLLBACK", timeout }).catch((error) => {
            throw stopped(databaseUrl, error);
          });
        }
      }
    },
    cleanDb: async ({ mysqlCleanConnection, databaseUrl, cleanDbKeepTables, skip, harnessSettings }, use) => {
      if (stoppedReason(SERVICE.title) !== undefined) skip(); // the test that found it stopped said so, once
      await guard(databaseUrl, harnessSettings);
      await ensureServerDatabase(mysqlCleanConnection, databaseUrl, harnessSettings.serviceTimeout);
      await truncateTablesWithRows(mysqlCleanConnection, cleanDbKeepTables);
      await use(mysqlCleanConnection);
      await truncateTablesWithRows(mysqlCleanConnection, cleanDbKeepTables);
    },
  });
}
