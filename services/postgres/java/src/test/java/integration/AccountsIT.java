package integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import integration.exampleapp.Accounts;
import integration.exampleapp.Accounts.Account;
import integration.factories.AccountFactory;
import integration.harness.Postgres.CleanDb;
import integration.harness.Postgres.Db;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Example tests (delete with exampleapp/): PostgreSQL with {@code @Db} and {@code @CleanDb}. */
class AccountsIT {
  static long countAccounts(Connection conn) throws SQLException {
    try (Statement statement = conn.createStatement();
        ResultSet row = statement.executeQuery("SELECT count(*) FROM accounts")) {
      row.next();
      return row.getLong(1);
    }
  }

  @Test
  void createdAccountCanBeFound(@Db Connection db) throws Exception {
    Accounts accounts = new Accounts(db);

    Account created = accounts.create("Ada@Example.com", "Ada");

    assertEquals(Optional.of(created), accounts.findByEmail("ada@example.com"));
    assertEquals("ada@example.com", created.email());
  }

  @Test
  void everyTestStartsWithNoAccounts(@Db Connection db) throws Exception {
    assertEquals(0, countAccounts(db));
    AccountFactory.on(db).create(); // rolled back after
  }

  @Test
  void duplicateEmailIsRefusedAndTheFirstAccountKept(@Db Connection db) throws Exception {
    Accounts accounts = new Accounts(db);
    Account first = AccountFactory.on(db).create();

    assertThrows(
        Accounts.DuplicateEmail.class,
        () -> accounts.create(first.email().toUpperCase(Locale.ROOT), "Impostor"));

    assertEquals(Optional.of(first), accounts.findByEmail(first.email()));
    assertEquals(1, countAccounts(db));
  }

  @Test
  void factoryAccountsHaveUniqueEmailsSoTwoCanBeCreated(@Db Connection db) throws Exception {
    List<Account> two = AccountFactory.on(db).createList(2); // no DuplicateEmail

    assertNotEquals(two.get(0).email(), two.get(1).email());
    assertEquals(two, new Accounts(db).page(0, 20));
  }

  @Test
  void openingCreditIsStoredWithTheAccount(@Db Connection db) throws Exception {
    Accounts accounts = new Accounts(db);

    Account account = accounts.openWithCredit("alan@example.com", "Alan", 50);

    assertEquals(50, accounts.balance(account.id()));
  }

  @Test
  void negativeCreditLeavesNoPartialAccount(@Db Connection db) throws Exception {
    Accounts accounts = new Accounts(db);

    String email = AccountFactory.uniqueEmail();

    assertThrows(Accounts.InvalidCredit.class, () -> accounts.openWithCredit(email, "Edsger", -1));

    assertTrue(accounts.findByEmail(email).isEmpty());
  }

  @Test
  void theDbConnectionRefusesToCommit(@Db Connection db) {
    assertThrows(SQLException.class, db::commit);
  }

  @Test
  void codeThatCommitsIsCleanedUpByCleanDb(@CleanDb Connection cleanDb, DataSource dataSource)
      throws Exception {
    assertEquals(0, countAccounts(cleanDb));

    Account account = Accounts.register(dataSource, "barbara@example.com", "Barbara");

    assertEquals(Optional.of(account), new Accounts(cleanDb).findByEmail("barbara@example.com"));
  }

  @Test
  void cleanDbStartsEmptyAfterACommittingTest(@CleanDb Connection cleanDb, DataSource dataSource)
      throws Exception {
    Accounts.register(dataSource, "barbara@example.com", "Barbara"); // no DuplicateEmail

    assertEquals(1, countAccounts(cleanDb));
  }

  @Test
  void factorySavesOnCleanDbForCodeOnOtherConnections(
      @CleanDb Connection cleanDb, DataSource dataSource) throws Exception {
    Account account = AccountFactory.on(cleanDb).displayName("Margaret").create();

    try (Connection other = dataSource.getConnection()) {
      assertEquals(Optional.of(account), new Accounts(other).get(account.id()));
    }
  }
}
