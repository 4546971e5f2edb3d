// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;

/** A JDBC connection as a {@code @Db} test sees it: commit and close are refused, the rollback is the harness's. */
public final class RolledBack {
  private RolledBack() {}

  /** {@code conn} wrapped: {@code commit()} and {@code setAutoCommit(true)} throw, {@code close()} does nothing. */
  public static Connection wrap(Connection conn) {
    return (Connection)
        Proxy.newProxyInstance(
            RolledBack.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, arguments) -> {
              switch (method.getName()) {
                case "commit" -> throw new SQLException(
                    "the @Db connection is rolled back after the test; for code that commits,"
                        + " use @CleanDb and the DataSource");
                case "setAutoCommit" -> {
                  if (Boolean.TRUE.equals(arguments[0])) {
                    throw new SQLException("the @Db connection stays in its transaction");
                  }
                  return null;
                }
                case "close" -> {
                  return null;
                }
                default -> {
                  try {
                    return method.invoke(conn, arguments);
                  } catch (InvocationTargetException error) {
                    throw error.getCause();
                  }
                }
              }
            });
  }
}
