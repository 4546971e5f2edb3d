"""The template's tests only about PostgreSQL: the TypeScript harness's override points
(``databaseSchema``, ``cleanDbKeepTables``) mean what Python's fixtures of those names mean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.rig import NONE, clean_environment, own_postgres_database, run_external

DATABASE = "app_test_overrides"
# A user's test file that replaces the schema files with its own setup (as for
# migrations) and keeps a seeded table through cleanDb.
OVERRIDES = """\
import pg from "pg";
import { expect, test as harnessTest } from "./harness/fixtures";

const test = harnessTest.extend<{}, { databaseSchema: void; cleanDbKeepTables: ReadonlySet<string> }>({
  databaseSchema: [
    async ({ databaseUrl }, use) => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      await client.query("CREATE TABLE IF NOT EXISTS plans (id int PRIMARY KEY, name text)");
      await client.query("CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY)");
      await client.query("INSERT INTO plans VALUES (1, 'free') ON CONFLICT DO NOTHING");
      await client.end();
      await use(undefined);
    },
    { scope: "worker" },
  ],
  cleanDbKeepTables: [async ({}, use) => use(new Set(["plans"])), { scope: "worker" }],
});

for (const name of ["first", "second"]) {
  test(`${name}: own schema, seed kept, other tables emptied`, async ({ cleanDb }) => {
    const count = async (table: string) =>
      Number((await cleanDb.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    const accounts = await cleanDb.query("SELECT to_regclass('accounts') AS found");

    expect(accounts.rows[0].found).toBeNull(); // schema/*.sql did not run
    expect(await count("plans")).toBe(1);
    expect(await count("orders")).toBe(0);
    await cleanDb.query("INSERT INTO orders DEFAULT VALUES"); // committed: cleanDb empties it
  });
}
"""


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A database of this module's own (the harness makes one per worker beside it)."""
    with own_postgres_database(DATABASE) as url:
        yield url


def test_typescript_database_schema_and_keep_tables_can_be_overridden(
    typescript_project, database_url: str
) -> None:
    project: Path = typescript_project({**NONE, "database": "postgres"})
    (project / "tests/integration/overrides.integration.ts").write_text(OVERRIDES)
    env = clean_environment(TEST_DATABASE_URL=database_url)

    status, output, _ = run_external(project, env, "ARGS=overrides")

    assert status == 0, output[-3000:]
    assert "2 passed" in output, output[-3000:]
