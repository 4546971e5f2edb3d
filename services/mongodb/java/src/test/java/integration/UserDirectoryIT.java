package integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import integration.exampleapp.UserDirectory;
import integration.exampleapp.UserDirectory.User;
import integration.harness.MongoDb;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** Example tests (delete with exampleapp/): MongoDB through the {@code MongoDatabase} parameter. */
class UserDirectoryIT {
  static long countUsers(MongoDatabase mongodb) {
    return mongodb.getCollection("users").countDocuments();
  }

  @Test
  void registeredUserCanBeFound(MongoDatabase mongodb) {
    UserDirectory directory = new UserDirectory(mongodb);

    User registered = directory.register("Ada@Example.com", "Ada");

    assertEquals(Optional.of(registered), directory.findByEmail("ada@example.com"));
    assertEquals("ada@example.com", registered.email());
  }

  @Test
  void everyTestStartsWithNoUsers(MongoDatabase mongodb) {
    assertEquals(0, countUsers(mongodb));
    new UserDirectory(mongodb).register("left@example.com", "Left behind?"); // emptied after
  }

  @Test
  void aTakenEmailIsRefusedAndTheFirstUserKept(MongoDatabase mongodb) {
    UserDirectory directory = new UserDirectory(mongodb);
    User first = directory.register("grace@example.com", "Grace");

    assertThrows(
        UserDirectory.EmailTaken.class, () -> directory.register("GRACE@example.com ", "Impostor"));

    assertEquals(Optional.of(first), directory.findByEmail("grace@example.com"));
    assertEquals(1, countUsers(mongodb));
  }

  @Test
  void theUniqueIndexOutlivesTheCleanup(MongoDatabase mongodb) {
    new UserDirectory(mongodb);

    List<List<String>> unique = new ArrayList<>();
    for (Document index : mongodb.getCollection("users").listIndexes()) {
      if (index.getBoolean("unique", false)) {
        unique.add(new ArrayList<>(index.get("key", Document.class).keySet()));
      }
    }

    assertEquals(List.of(List.of("email")), unique);
  }

  @Test
  void renamingAnUnknownUserChangesNothing(MongoDatabase mongodb) {
    UserDirectory directory = new UserDirectory(mongodb);
    directory.register("alan@example.com", "Alan");

    assertFalse(directory.rename("nobody@example.com", "Nobody"));
    assertTrue(directory.rename("alan@example.com", "Alan T."));
    assertEquals("Alan T.", directory.findByEmail("alan@example.com").orElseThrow().name());
  }

  /** Code under test gets the {@code @MongoDb.Url}; {@code MongoDatabase} empties what it wrote. */
  @Test
  void codeWithItsOwnClientIsCleanedUpToo(MongoDatabase mongodb, @MongoDb.Url String url) {
    try (MongoClient client = MongoClients.create(url)) {
      UserDirectory directory = new UserDirectory(client.getDatabase(mongodb.getName()));
      directory.register("barbara@example.com", "Barbara");

      assertTrue(directory.findByEmail("barbara@example.com").isPresent());
    }
    assertEquals(1, countUsers(mongodb));
  }
}
