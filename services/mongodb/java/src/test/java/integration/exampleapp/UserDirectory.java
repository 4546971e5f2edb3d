package integration.exampleapp;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Updates;
import java.util.Locale;
import java.util.Optional;
import org.bson.Document;

/**
 * Example component (delete me): a directory of users in MongoDB, one per e-mail address.
 *
 * <p>Users live in the {@code users} collection of a database the caller gives. The unique index
 * on {@code email} is what refuses a second registration: two processes registering the same
 * address at once cannot both succeed.
 */
public final class UserDirectory {
  private final MongoCollection<Document> users;

  /** One registered user. */
  public record User(String id, String email, String name) {}

  /** A user with this e-mail address is registered already. */
  public static final class EmailTaken extends RuntimeException {
    private static final long serialVersionUID = 1L;

    EmailTaken(String email) {
      super("a user with the e-mail address " + email + " is registered already");
    }
  }

  /** A directory on {@code database}, its unique index created (a no-op when it exists). */
  public UserDirectory(MongoDatabase database) {
    users = database.getCollection("users");
    users.createIndex(Indexes.ascending("email"), new IndexOptions().unique(true));
  }

  private static String normalized(String email) {
    return email.strip().toLowerCase(Locale.ROOT);
  }

  /** Store a new user; {@link EmailTaken} when the address is registered already. */
  public User register(String email, String name) {
    Document document = new Document("email", normalized(email)).append("name", name);
    try {
      users.insertOne(document);
    } catch (MongoWriteException error) {
      if (error.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
        throw new EmailTaken(email);
      }
      throw error;
    }
    return new User(document.getObjectId("_id").toHexString(), document.getString("email"), name);
  }

  /** The user with this address, if any. */
  public Optional<User> findByEmail(String email) {
    Document found = users.find(Filters.eq("email", normalized(email))).first();
    if (found == null) {
      return Optional.empty();
    }
    return Optional.of(
        new User(
            found.getObjectId("_id").toHexString(),
            found.getString("email"),
            found.getString("name")));
  }

  /** Change a user's name; false when no user has this address. */
  public boolean rename(String email, String name) {
    return users
            .updateOne(Filters.eq("email", normalized(email)), Updates.set("name", name))
            .getMatchedCount()
        == 1;
  }
}
