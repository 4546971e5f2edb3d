// Example tests (delete with example_app/): PostgreSQL with `db` and `cleanDb`.
import type pg from "pg";
import { AccountStore, DuplicateEmail, InvalidCredit, register } from "./example_app/accounts";
import { expect, test } from "./harness/fixtures";

async function countAccounts(client: pg.ClientBase): Promise<number> {
  const { rows } = await client.query("SELECT count(*) AS n FROM accounts");
  return Number(rows[0].n);
}

test("created account can be found", async ({ db }) => {
  const store = new AccountStore(db);

  const created = await store.create("Ada@Example.com", "Ada");

  expect(await store.findByEmail("ada@example.com")).toEqual(created);
  expect(created.email).toBe("ada@example.com");
});

test("every test starts with no accounts", async ({ db }) => {
  expect(await countAccounts(db)).toBe(0);
  await new AccountStore(db).create("left@example.com", "Left behind?"); // rolled back after
});

test("duplicate email is refused and the first account kept", async ({ db }) => {
  const store = new AccountStore(db);
  const first = await store.create("grace@example.com", "Grace");

  await expect(store.create("GRACE@example.com", "Impostor")).rejects.toBeInstanceOf(DuplicateEmail);

  expect(await store.findByEmail("grace@example.com")).toEqual(first);
  expect(await countAccounts(db)).toBe(1);
});

test("opening credit is stored with the account", async ({ db }) => {
  const store = new AccountStore(db);

  const account = await store.openWithCredit("alan@example.com", "Alan", 50);

  expect(await store.balance(account.id)).toBe(50);
});

test("negative credit leaves no partial account", async ({ db }) => {
  const store = new AccountStore(db);

  await expect(store.openWithCredit("edsger@example.com", "Edsger", -1)).rejects.toBeInstanceOf(InvalidCredit);

  expect(await store.findByEmail("edsger@example.com")).toBeNull();
});

test("code that commits is cleaned up by cleanDb", async ({ cleanDb, databaseUrl }) => {
  expect(await countAccounts(cleanDb)).toBe(0);

  const account = await register(databaseUrl, "barbara@example.com", "Barbara");

  expect(await new AccountStore(cleanDb).findByEmail("barbara@example.com")).toEqual(account);
});

test("cleanDb starts empty after a committing test", async ({ cleanDb, databaseUrl }) => {
  await register(databaseUrl, "barbara@example.com", "Barbara"); // no DuplicateEmail

  expect(await countAccounts(cleanDb)).toBe(1);
});
