// Example component (delete me): accounts and their opening credit in MySQL or MariaDB.
import mysql from "mysql2/promise";

/** An account with this e-mail address exists already. */
export class DuplicateEmail extends Error {}

/** An opening credit must not be negative. */
export class InvalidCredit extends Error {}

export interface Account {
  id: number;
  email: string;
  displayName: string;
}

const DUPLICATE_KEY = 1062;
const CHECK_CONSTRAINT_FAILED = [3819, 4025]; // MySQL, MariaDB
let savepoints = 0;

function errno(error: unknown): number | undefined {
  return (error as { errno?: number }).errno;
}

/** Accounts on a connection the caller owns (and commits, or not). */
export class AccountStore {
  constructor(private readonly conn: mysql.Connection) {}

  /** All statements of `work`, or none of them (a savepoint in the caller's transaction). */
  private async atomic<T>(work: () => Promise<T>): Promise<T> {
    const name = `sp_${++savepoints}`;
    await this.conn.query(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      await this.conn.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await this.conn.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  }

  async create(email: string, displayName: string): Promise<Account> {
    const lower = email.toLowerCase();
    try {
      const [result] = await this.conn.execute<mysql.ResultSetHeader>(
        "INSERT INTO accounts (email, display_name) VALUES (?, ?)",
        [lower, displayName],
      );
      return { id: result.insertId, email: lower, displayName };
    } catch (error) {
      if (errno(error) === DUPLICATE_KEY) throw new DuplicateEmail(email);
      throw error;
    }
  }

  async findByEmail(email: string): Promise<Account | null> {
    const [rows] = await this.conn.execute<mysql.RowDataPacket[]>(
      "SELECT id, email, display_name FROM accounts WHERE email = ?",
      [email.toLowerCase()],
    );
    return rows.length ? { id: Number(rows[0].id), email: rows[0].email, displayName: rows[0].display_name } : null;
  }

  async get(accountId: number): Promise<Account | null> {
    const [rows] = await this.conn.execute<mysql.RowDataPacket[]>(
      "SELECT id, email, display_name FROM accounts WHERE id = ?",
      [accountId],
    );
    return rows.length ? { id: Number(rows[0].id), email: rows[0].email, displayName: rows[0].display_name } : null;
  }

  /** Up to `limit` accounts with ids above `after`, in id order (keyset paging). */
  async page(after = 0, limit = 20): Promise<Account[]> {
    const [rows] = await this.conn.query<mysql.RowDataPacket[]>(
      "SELECT id, email, display_name FROM accounts WHERE id > ? ORDER BY id LIMIT ?",
      [after, limit],
    );
    return rows.map((row) => ({ id: Number(row.id), email: row.email, displayName: row.display_name }));
  }

  /** Create the account and its opening credit together: both or neither. */
  async openWithCredit(email: string, displayName: string, credit: number): Promise<Account> {
    try {
      return await this.atomic(async () => {
        const account = await this.create(email, displayName);
        await this.conn.execute("INSERT INTO credits (account_id, amount) VALUES (?, ?)", [account.id, credit]);
        return account;
      });
    } catch (error) {
      if (CHECK_CONSTRAINT_FAILED.includes(errno(error) ?? 0)) throw new InvalidCredit(String(credit));
      throw error;
    }
  }

  async balance(accountId: number): Promise<number> {
    const [rows] = await this.conn.execute<mysql.RowDataPacket[]>(
      "SELECT coalesce(sum(amount), 0) AS total FROM credits WHERE account_id = ?",
      [accountId],
    );
    return Number(rows[0].total);
  }
}

/** Application-style entry point: its own connection, committed on success. */
export async function register(
  connect: () => Promise<mysql.Connection>,
  email: string,
  displayName: string,
): Promise<Account> {
  const conn = await connect();
  try {
    await conn.beginTransaction();
    const account = await new AccountStore(conn).create(email, displayName);
    await conn.commit();
    return account;
  } finally {
    await conn.end();
  }
}
