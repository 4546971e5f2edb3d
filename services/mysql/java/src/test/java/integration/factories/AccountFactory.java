package integration.factories;

import integration.exampleapp.Accounts;
import integration.exampleapp.Accounts.Account;
import integration.harness.Session;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Example factory (delete with exampleapp/, or extend it): accounts as test data.
 *
 * <p>{@code AccountFactory.on(db).create()} saves an account through the example's own {@link
 * Accounts} on the connection it is given: {@code @Db} (rolled back after the test) or
 * {@code @CleanDb} (committed, emptied before and after). Set only what the test is about; the
 * rest gets a valid value: {@code AccountFactory.on(db).displayName("Ada").create()}.
 *
 * <p>Plain Java, no Instancio or Datafaker: the values that must not collide come from the
 * harness's {@link Session#uniqueTestName} (Surefire fork, time stamp, random part), which a
 * random-data library cannot promise, and a builder of a record's few fields needs no library.
 */
public final class AccountFactory {
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final Connection conn;
  private String email;
  private String displayName;

  private AccountFactory(Connection conn) {
    this.conn = conn;
  }

  /** A factory saving on {@code conn} (the {@code @Db} or {@code @CleanDb} connection). */
  public static AccountFactory on(Connection conn) {
    return new AccountFactory(conn);
  }

  /** An e-mail address no other test or worker uses ({@code test-w1-account-...@example.test}). */
  public static String uniqueEmail() {
    return Session.uniqueTestName("uniqueEmail", "account", "-") + "@example.test";
  }

  /** Use this e-mail address (default: a {@link #uniqueEmail} per account). */
  public AccountFactory email(String email) {
    this.email = email;
    return this;
  }

  /** Use this display name (default: "Test Person N"). */
  public AccountFactory displayName(String displayName) {
    this.displayName = displayName;
    return this;
  }

  /** Save one account and return it as stored. */
  public Account create() throws SQLException, Accounts.DuplicateEmail {
    return new Accounts(conn)
        .create(
            email != null ? email : uniqueEmail(),
            displayName != null ? displayName : "Test Person " + SEQUENCE.incrementAndGet());
  }

  /** Save {@code count} accounts, each with its own e-mail address unless one was set. */
  public List<Account> createList(int count) throws SQLException, Accounts.DuplicateEmail {
    List<Account> accounts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      accounts.add(create());
    }
    return accounts;
  }
}
