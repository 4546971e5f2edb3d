// Example tests (delete with example_app/): MySQL/MariaDB with `db` and `cleanDb`.
import mysql from "mysql2/promise";
import { AccountStore, DuplicateEmail, InvalidCredit, register } from "./example_app/accounts";
import { accountFactory, uniqueEmail } from "./factories/accounts";
import { expect, test } from "./harness/fixtures";
import { connectOptions } from "./harness/mysql";

async function countAccounts(conn: mysql.Connection): Promise<number> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>("SELECT count(*) AS n FROM accounts");
  return Number(rows[0].n);
}

const connectTo = (url: string) => () => mysql.createConnection(connectOptions(url));

test("created account can be found", async ({ db }) => {
  const store = new AccountStore(db);

  const created = await store.create("Ada@Example.com", "Ada");

  expect(await store.findByEmail("ada@example.com")).toEqual(created);
  expect(created.email).toBe("ada@example.com");
});

test("every test starts with no accounts", async ({ db }) => {
  expect(await countAccounts(db)).toBe(0);
  await accountFactory.on(db).create(); // rolled back after
});

test("duplicate email is refused and the first account kept", async ({ db }) => {
  const store = new AccountStore(db);
  const first = await accountFactory.on(db).create();

  await expect(store.create(first.email.toUpperCase(), "Impostor")).rejects.toBeInstanceOf(DuplicateEmail);

  expect(await store.findByEmail(first.email)).toEqual(first);
  expect(await countAccounts(db)).toBe(1);
});

test("factory accounts have unique emails, so two can be created", async ({ db }) => {
  const [first, second] = await accountFactory.on(db).createList(2); // no DuplicateEmail

  expect(first.email).not.toBe(second.email);
  expect(await new AccountStore(db).page()).toEqual([first, second]);
});

test("opening credit is stored with the account", async ({ db }) => {
  const store = new AccountStore(db);

  const account = await store.openWithCredit("alan@example.com", "Alan", 50);

  expect(await store.balance(account.id)).toBe(50);
});

test("negative credit leaves no partial account", async ({ db }) => {
  const store = new AccountStore(db);

  const email = uniqueEmail();

  await expect(store.openWithCredit(email, "Edsger", -1)).rejects.toBeInstanceOf(InvalidCredit);

  expect(await store.findByEmail(email)).toBeNull();
});

test("code that commits is cleaned up by cleanDb", async ({ cleanDb, databaseUrl }) => {
  expect(await countAccounts(cleanDb)).toBe(0);

  const account = await register(connectTo(databaseUrl), "barbara@example.com", "Barbara");

  expect(await new AccountStore(cleanDb).findByEmail("barbara@example.com")).toEqual(account);
});

test("cleanDb starts empty after a committing test", async ({ cleanDb, databaseUrl }) => {
  await register(connectTo(databaseUrl), "barbara@example.com", "Barbara"); // no DuplicateEmail

  expect(await countAccounts(cleanDb)).toBe(1);
});

test("factory saves on cleanDb for code on other connections", async ({ cleanDb, databaseUrl }) => {
  const account = await accountFactory.on(cleanDb).create({ displayName: "Margaret" });

  const other = await connectTo(databaseUrl)();
  try {
    expect(await new AccountStore(other).get(account.id)).toEqual(account);
  } finally {
    await other.end();
  }
});
