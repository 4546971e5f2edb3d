// Example factory (delete with example_app/, or extend it): accounts as test data.
//
// `accountFactory.on(db).create()` saves an account on the connection it is given:
// `db` (rolled back after the test) or `cleanDb` (committed, emptied before and after).
// It writes the row with one INSERT of its own, not through AccountStore: the store's
// savepoints need a transaction (cleanDb has none) and one statement at a time (fishery's
// createList saves the accounts concurrently). `accountFactory.build()` makes an
// unsaved Account; pass any field to override it, e.g. `create({ displayName: "Ada" })`.
//
// fishery: factories typed by the model, with build/create, lists, and per-use
// overrides. No @faker-js/faker: the values that must not collide come from the
// harness's uniqueTestName (Vitest worker id, time stamp, random part), and a fake
// name library would only make display names prettier at the price of a large install.
import { Factory } from "fishery";
import type pg from "pg";
import type { Account } from "../example_app/accounts";
import { uniqueTestName } from "../harness/naming";

/** An e-mail address no other test or worker uses (`test-w1-account-…@example.test`). */
export function uniqueEmail(purpose = "account"): string {
  return `${uniqueTestName("uniqueEmail", purpose, "-")}@example.test`;
}

/** Accounts with a unique e-mail address; `on(client)` saves them there. */
export class AccountFactory extends Factory<Account> {
  /** This factory, saving on `client` (the `db` or `cleanDb` fixture). */
  on(client: pg.ClientBase): this {
    return this.onCreate(async (account) => {
      const { rows } = await client.query("INSERT INTO accounts (email, display_name) VALUES ($1, $2) RETURNING id", [
        account.email,
        account.displayName,
      ]);
      return { ...account, id: Number(rows[0].id) };
    });
  }
}

export const accountFactory = AccountFactory.define(({ sequence }) => ({
  id: sequence,
  email: uniqueEmail(),
  displayName: `Test Person ${sequence}`,
}));
