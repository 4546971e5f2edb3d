// Managed by integration-harness: `copier update` rewrites this file.
/**
 * What the SQL service modules (PostgreSQL, MySQL/MariaDB) share.
 *
 * A database per Vitest worker (`workerDatabaseName`), the schema files
 * (`schemaFiles`), and the refusal when another run holds the claim on the
 * database (`claimedByAnotherRun`). Connecting, DDL and listing tables are the
 * driver's and stay in each service module.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { workerId } from "./naming";
import { redact, UnsafeTarget } from "./safety";
import type { Service } from "./services";

/** `tests/integration/schema/`: the files `databaseSchema` runs by default. */
export const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "schema");

/** One schema file: its name and its SQL. */
export interface SchemaFile {
  name: string;
  sql: string;
}

/** The `*.sql` files of `folder` in name order (none when the folder does not exist). */
export function schemaFiles(folder = SCHEMA_DIR): SchemaFile[] {
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith(".sql")).sort();
  } catch {
    return [];
  }
  return names.map((name) => ({ name, sql: readFileSync(join(folder, name), "utf8") }));
}

/** This worker's own database: `<database>_w<N>`, created when the worker starts and dropped when it ends. */
export function workerDatabaseName(database: string): string {
  return `${database}_w${workerId()}`;
}

/** The refusal when another run holds this run's claim on `database`. */
export function claimedByAnotherRun(service: Service, database: string, url: string): UnsafeTarget {
  return new UnsafeTarget(
    `Another test run is using ${service.title} database '${database}' at ${redact(url)} right now. ` +
      `Wait for it to finish, or give this run a database of its own in ${service.urlVar} ` +
      `('test' must be a whole word of its name).`,
  );
}

/**
 * Tables the harness never empties: every migration tool's version table (another project
 * of yours on the same test database may use another tool).
 */
export const KEPT_TABLES: ReadonlySet<string> = new Set([
  "alembic_version",
  "goose_db_version",
  "flyway_schema_history",
  "knex_migrations",
  "knex_migrations_lock",
]);

/** How a migration tool reaches this project's SQL database (set by its module). */
export interface SqlDialect {
  /** Knex's client name. */
  client: "pg" | "mysql2";
  /** The driver's connection options for `url` (timeouts and bounds set). */
  connection(url: string, timeoutSeconds: number): object;
  /** `name` quoted as an identifier. */
  quote(name: string): string;
  /** `url` pointed at database `name`. */
  withDatabase(url: string, name: string): string;
}

let dialect: SqlDialect | undefined;
let migrator: ((databaseUrl: string, timeoutSeconds: number) => Promise<void>) | undefined;

/** Called by the SQL module (postgres.ts, mysql.ts) when it loads. */
export function useSqlDialect(chosen: SqlDialect): void {
  dialect = chosen;
}

/** The SQL database's dialect; throws without a SQL database. */
export function sqlDialect(): SqlDialect {
  if (dialect === undefined) throw new Error("migrations need a SQL database (database=postgres/mysql/mariadb)");
  return dialect;
}

/** Called by `migrations.ts` (migrations=knex): build each worker database with the migrations. */
export function useMigrator(run: (databaseUrl: string, timeoutSeconds: number) => Promise<void>): void {
  migrator = run;
}

/** The default `databaseSchema`: the project's migrations when a tool is chosen, else `applySchemaFiles`. */
export async function buildSchema(
  databaseUrl: string,
  timeoutSeconds: number,
  applySchemaFiles: () => Promise<unknown>,
): Promise<void> {
  if (migrator !== undefined) await migrator(databaseUrl, timeoutSeconds);
  else await applySchemaFiles();
}
