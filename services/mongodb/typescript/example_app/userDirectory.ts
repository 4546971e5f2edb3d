// Example component (delete me): a directory of users in MongoDB, one per e-mail address.
import { type Collection, type Db, MongoServerError } from "mongodb";

/** A user with this e-mail address is registered already. */
export class EmailTaken extends Error {}

export interface User {
  id: string;
  email: string;
  name: string;
}

interface UserDocument {
  email: string;
  name: string;
}

const DUPLICATE_KEY = 11000;

/**
 * Users in the `users` collection of a database the caller gives. The unique
 * index on `email` is what refuses a second registration: two processes
 * registering the same address at once cannot both succeed.
 */
export class UserDirectory {
  private readonly users: Collection<UserDocument>;

  private constructor(db: Db) {
    this.users = db.collection<UserDocument>("users");
  }

  /** A directory on `db`, its unique index created (a no-op when it exists). */
  static async open(db: Db): Promise<UserDirectory> {
    const directory = new UserDirectory(db);
    await directory.users.createIndex({ email: 1 }, { unique: true });
    return directory;
  }

  async register(email: string, name: string): Promise<User> {
    const document = { email: email.trim().toLowerCase(), name };
    try {
      const { insertedId } = await this.users.insertOne(document);
      return { id: insertedId.toHexString(), email: document.email, name };
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) throw new EmailTaken(email);
      throw error;
    }
  }

  async findByEmail(email: string): Promise<User | null> {
    const found = await this.users.findOne({ email: email.trim().toLowerCase() });
    return found === null ? null : { id: found._id.toHexString(), email: found.email, name: found.name };
  }

  /** Change a user's name; false when no user has this address. */
  async rename(email: string, name: string): Promise<boolean> {
    const { matchedCount } = await this.users.updateOne({ email: email.trim().toLowerCase() }, { $set: { name } });
    return matchedCount === 1;
  }
}
