package integration.exampleapp;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.sql.DataSource;

/** Example component (delete me): accounts and their opening credit in PostgreSQL. */
public final class Accounts {
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String CHECK_VIOLATION = "23514";

  private final Connection conn;

  /** Accounts on a connection the caller owns (and commits, or not). */
  public Accounts(Connection conn) {
    this.conn = conn;
  }

  /** An account. */
  public record Account(long id, String email, String displayName) {}

  /** An account with this e-mail address exists already. */
  public static final class DuplicateEmail extends Exception {
    private static final long serialVersionUID = 1L;

    DuplicateEmail(String email) {
      super(email);
    }
  }

  /** An opening credit must not be negative. */
  public static final class InvalidCredit extends Exception {
    private static final long serialVersionUID = 1L;

    InvalidCredit(int credit) {
      super(String.valueOf(credit));
    }
  }

  private static Account account(ResultSet row) throws SQLException {
    return new Account(row.getLong(1), row.getString(2), row.getString(3));
  }

  /** Create an account; its e-mail address is stored in lowercase. */
  public Account create(String email, String displayName) throws SQLException, DuplicateEmail {
    Savepoint savepoint = conn.getAutoCommit() ? null : conn.setSavepoint();
    try (PreparedStatement insert =
        conn.prepareStatement(
            "INSERT INTO accounts (email, display_name) VALUES (?, ?)"
                + " RETURNING id, email, display_name")) {
      insert.setString(1, email.toLowerCase(Locale.ROOT));
      insert.setString(2, displayName);
      try (ResultSet row = insert.executeQuery()) {
        row.next();
        return account(row);
      }
    } catch (SQLException error) {
      if (savepoint != null) {
        conn.rollback(savepoint);
      }
      if (UNIQUE_VIOLATION.equals(error.getSQLState())) {
        throw new DuplicateEmail(email);
      }
      throw error;
    } finally {
      if (savepoint != null && !conn.isClosed()) {
        try {
          conn.releaseSavepoint(savepoint);
        } catch (SQLException ignored) {
          // rolled back to it already
        }
      }
    }
  }

  /** The account with this e-mail address (any case). */
  public Optional<Account> findByEmail(String email) throws SQLException {
    try (PreparedStatement select =
        conn.prepareStatement("SELECT id, email, display_name FROM accounts WHERE email = ?")) {
      select.setString(1, email.toLowerCase(Locale.ROOT));
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? Optional.of(account(row)) : Optional.empty();
      }
    }
  }

  /** The account with this id. */
  public Optional<Account> get(long id) throws SQLException {
    try (PreparedStatement select =
        conn.prepareStatement("SELECT id, email, display_name FROM accounts WHERE id = ?")) {
      select.setLong(1, id);
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? Optional.of(account(row)) : Optional.empty();
      }
    }
  }

  /** Up to {@code limit} accounts with ids above {@code after}, in id order (keyset paging). */
  public List<Account> page(long after, int limit) throws SQLException {
    try (PreparedStatement select =
        conn.prepareStatement(
            "SELECT id, email, display_name FROM accounts WHERE id > ? ORDER BY id LIMIT ?")) {
      select.setLong(1, after);
      select.setInt(2, limit);
      List<Account> found = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          found.add(account(rows));
        }
      }
      return found;
    }
  }

  /** Create the account and its opening credit together: both or neither. */
  public Account openWithCredit(String email, String displayName, int credit)
      throws SQLException, DuplicateEmail, InvalidCredit {
    Savepoint savepoint = conn.setSavepoint();
    try {
      Account account = create(email, displayName);
      try (PreparedStatement insert =
          conn.prepareStatement("INSERT INTO credits (account_id, amount) VALUES (?, ?)")) {
        insert.setLong(1, account.id());
        insert.setInt(2, credit);
        insert.executeUpdate();
      }
      conn.releaseSavepoint(savepoint);
      return account;
    } catch (SQLException error) {
      conn.rollback(savepoint);
      if (CHECK_VIOLATION.equals(error.getSQLState())) {
        throw new InvalidCredit(credit);
      }
      throw error;
    }
  }

  /** The sum of an account's credits. */
  public long balance(long accountId) throws SQLException {
    try (PreparedStatement select =
        conn.prepareStatement(
            "SELECT coalesce(sum(amount), 0) FROM credits WHERE account_id = ?")) {
      select.setLong(1, accountId);
      try (ResultSet row = select.executeQuery()) {
        row.next();
        return row.getLong(1);
      }
    }
  }

  /** Application-style entry point: its own connection, committed on success. */
  public static Account register(DataSource dataSource, String email, String displayName)
      throws SQLException, DuplicateEmail {
    try (Connection own = dataSource.getConnection()) {
      own.setAutoCommit(true);
      return new Accounts(own).create(email, displayName);
    }
  }
}
