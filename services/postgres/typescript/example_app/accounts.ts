// Example component (delete me): accounts and their opening credit in PostgreSQL.
import pg from "pg";

/** An account with this e-mail address exists already. */
export class DuplicateEmail extends Error {}

/** An opening credit must not be negative. */
export class InvalidCredit extends Error {}

export interface Account {
  id: number;
  email: string;
  displayName: string;
}

const UNIQUE_VIOLATION = "23505";
const CHECK_VIOLATION = "23514";
let savepoints = 0;

function toAccount(row: { id: string; email: string; display_name: string }): Account {
  return { id: Number(row.id), email: row.email, displayName: row.display_name };
}

/** Accounts on a connection the caller owns (and commits, or not). */
export class AccountStore {
  constructor(private readonly client: pg.ClientBase) {}

  /** All statements of `work`, or none of them (a savepoint in the caller's transaction). */
  private async atomic<T>(work: () => Promise<T>): Promise<T> {
    const name = `sp_${++savepoints}`;
    await this.client.query(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      await this.client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await this.client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  }

  async create(email: string, displayName: string): Promise<Account> {
    try {
      return await this.atomic(async () => {
        const { rows } = await this.client.query(
          "INSERT INTO accounts (email, display_name) VALUES ($1, $2) RETURNING id, email, display_name",
          [email.toLowerCase(), displayName],
        );
        return toAccount(rows[0]);
      });
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new DuplicateEmail(email);
      throw error;
    }
  }

  async findByEmail(email: string): Promise<Account | null> {
    const { rows } = await this.client.query(
      "SELECT id, email, display_name FROM accounts WHERE email = $1",
      [email.toLowerCase()],
    );
    return rows.length ? toAccount(rows[0]) : null;
  }

  async get(accountId: number): Promise<Account | null> {
    const { rows } = await this.client.query("SELECT id, email, display_name FROM accounts WHERE id = $1", [accountId]);
    return rows.length ? toAccount(rows[0]) : null;
  }

  /** Up to `limit` accounts with ids above `after`, in id order (keyset paging). */
  async page(after = 0, limit = 20): Promise<Account[]> {
    const { rows } = await this.client.query(
      "SELECT id, email, display_name FROM accounts WHERE id > $1 ORDER BY id LIMIT $2",
      [after, limit],
    );
    return rows.map(toAccount);
  }

  /** Create the account and its opening credit together: both or neither. */
  async openWithCredit(email: string, displayName: string, credit: number): Promise<Account> {
    try {
      return await this.atomic(async () => {
        const account = await this.create(email, displayName);
        await this.client.query("INSERT INTO credits (account_id, amount) VALUES ($1, $2)", [account.id, credit]);
        return account;
      });
    } catch (error) {
      if ((error as { code?: string }).code === CHECK_VIOLATION) throw new InvalidCredit(String(credit));
      throw error;
    }
  }

  async balance(accountId: number): Promise<number> {
    const { rows } = await this.client.query(
      "SELECT coalesce(sum(amount), 0) AS total FROM credits WHERE account_id = $1",
      [accountId],
    );
    return Number(rows[0].total);
  }
}

/** Application-style entry point: its own connection, committed on success. */
export async function register(databaseUrl: string, email: string, displayName: string): Promise<Account> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query("BEGIN");
    const account = await new AccountStore(client).create(email, displayName);
    await client.query("COMMIT");
    return account;
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    await client.end();
  }
}
