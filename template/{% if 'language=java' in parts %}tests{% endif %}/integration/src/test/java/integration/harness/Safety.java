// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The safety guard: never clean data on anything that does not look like a test service.
 *
 * <p>Extensions that delete data (TRUNCATE, FLUSHDB, queue deletion) and the session check call
 * {@link #ensureDisposable} first. A target passes only when every host it would reach is a
 * loopback address (127.0.0.0/8, ::1), a compose service name of this project, listed in {@code
 * TEST_ALLOWED_HOSTS}, or {@code localhost} / a name ending in {@code .localhost} that resolves to
 * loopback addresses only; and, for SQL, when "test" is a whole word of its database name ({@code
 * app_test}, {@code test_app}, {@code app-test-2}; not {@code latest_orders} or {@code contest}).
 * Hosts are taken from the driver's own parse of the URL.
 *
 * <p>{@link #redact} is the one place credentials are hidden: every message of the harness goes
 * through it.
 */
public final class Safety {
  private static final Pattern TEST_WORD = Pattern.compile("(^|[^a-z])tests?([^a-z]|$)");
  private static final String SECRET_NAMES =
      "password|pass|pwd|passwd|sslpassword|secret|token|api_key|apikey|key|access_key|"
          + "secret_key|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token";
  private static final Pattern URL_PASSWORD =
      Pattern.compile(
          "(?<head>[a-z][a-z0-9+.-]*://[^:/?#@\\s]*:)[^@/?#\\s]*(?=@)", Pattern.CASE_INSENSITIVE);
  private static final Pattern QUERY_SECRET =
      Pattern.compile("(?<head>[?&;](?:" + SECRET_NAMES + ")=)[^&#\\s]*", Pattern.CASE_INSENSITIVE);
  private static final Pattern KEYWORD_PASSWORD =
      Pattern.compile(
          "(?<head>\\b(?:password|sslpassword)\\s*=\\s*)(?:'(?:[^'\\\\]|\\\\.)*'|[^\\s']\\S*)",
          Pattern.CASE_INSENSITIVE);

  private Safety() {}

  /** A service URL the harness refuses to clean. */
  public static final class UnsafeTarget extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The refusal, its message naming the target and the fix. */
    public UnsafeTarget(String message) {
      super(message);
    }
  }

  /** {@code text} with every credential shown as {@code ***}. */
  public static String redact(String text) {
    text = URL_PASSWORD.matcher(text).replaceAll("${head}***");
    text = QUERY_SECRET.matcher(text).replaceAll("${head}***");
    text = KEYWORD_PASSWORD.matcher(text).replaceAll("${head}***");
    for (Pattern pattern : Services.SECRET_PATTERNS) {
      text = pattern.matcher(text).replaceAll("***");
    }
    return text;
  }

  /** True when "test" (or "tests") is a whole word of {@code name}. */
  public static boolean isTestDatabase(String name) {
    return TEST_WORD.matcher(name.toLowerCase(Locale.ROOT)).find();
  }

  private static boolean isLoopbackLiteral(String name) {
    String bare = name.split("%", 2)[0];
    if (bare.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      for (String octet : bare.split("\\.")) {
        if (Integer.parseInt(octet) > 255) {
          return false;
        }
      }
      return bare.startsWith("127.");
    }
    if (bare.contains(":") && bare.matches("[0-9a-fA-F:.]+")) {
      try {
        return InetAddress.getByName(bare).isLoopbackAddress();
      } catch (UnknownHostException error) {
        return false;
      }
    }
    return false;
  }

  private static boolean resolvesToLoopbackOnly(String name) {
    try {
      InetAddress[] addresses = InetAddress.getAllByName(name);
      if (addresses.length == 0) {
        return false;
      }
      for (InetAddress address : addresses) {
        if (!address.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException error) {
      return false;
    }
  }

  /** True for loopback addresses, compose service names, allowed hosts and local names. */
  public static boolean isDisposableHost(String host, Collection<String> allowedHosts) {
    String name = host.strip().replaceAll("^\\[|\\]$", "").toLowerCase(Locale.ROOT);
    while (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    if (name.isEmpty()) {
      return false;
    }
    Set<String> allowed =
        allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
    if (Services.composeHosts().contains(name) || allowed.contains(name)) {
      return true;
    }
    if (isLoopbackLiteral(name)) {
      return true;
    }
    if (name.matches("[0-9.]+") || name.contains(":")) {
      return false;
    }
    if (name.equals("localhost") || name.endsWith(".localhost")) {
      return resolvesToLoopbackOnly(name);
    }
    return false;
  }

  /** Throws {@link UnsafeTarget} unless every host looks like a test service. */
  public static void ensureDisposable(
      String title, String displayUrl, List<String> hosts, Collection<String> allowedHosts) {
    ensureDisposable(title, displayUrl, hosts, allowedHosts, null);
  }

  /**
   * Throws {@link UnsafeTarget} unless every host and the database name look like a test service;
   * {@code database} is checked unless it is null (pass "" when a SQL URL names no database).
   */
  public static void ensureDisposable(
      String title,
      String displayUrl,
      List<String> hosts,
      Collection<String> allowedHosts,
      String database) {
    String shown = redact(displayUrl);
    if (hosts.isEmpty()) {
      throw new UnsafeTarget(
          "Refusing to clean " + title + " at " + shown + ": the URL names no host.");
    }
    for (String host : hosts) {
      if (!isDisposableHost(host, allowedHosts)) {
        throw new UnsafeTarget(
            "Refusing to clean "
                + title
                + " at "
                + shown
                + ": host '"
                + host
                + "' is not loopback, a compose service or listed in TEST_ALLOWED_HOSTS. If it"
                + " really is a disposable test service, add it: TEST_ALLOWED_HOSTS="
                + host);
      }
    }
    if (database != null) {
      ensureTestDatabase(title, displayUrl, database);
    }
  }

  /**
   * The guard of a service reached by one URL (an HTTP API, an SMTP server): throws {@link
   * IllegalArgumentException} naming the service's settings {@code urlVars} unless {@code url}'s
   * scheme is one of {@code schemes}, then {@link UnsafeTarget} unless its host is disposable.
   */
  public static void ensureDisposableUrl(
      String title,
      List<String> urlVars,
      String url,
      Collection<String> allowedHosts,
      String... schemes) {
    java.net.URI uri;
    try {
      uri = new java.net.URI(url.strip());
    } catch (java.net.URISyntaxException error) {
      uri = null;
    }
    String scheme = uri == null || uri.getScheme() == null ? "" : uri.getScheme();
    if (!List.of(schemes).contains(scheme.toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(
          String.join(" / ", urlVars)
              + " must start with "
              + java.util.Arrays.stream(schemes)
                  .map(wanted -> wanted + "://")
                  .collect(Collectors.joining(" or "))
              + ", not '"
              + redact(url)
              + "'");
    }
    String host = uri.getHost();
    ensureDisposable(title, url, host == null ? List.of() : List.of(host), allowedHosts);
  }

  /** Throws {@link UnsafeTarget} unless {@code database} is named as a test database. */
  public static void ensureTestDatabase(String title, String displayUrl, String database) {
    String shown = redact(displayUrl);
    if (database.isEmpty()) {
      throw new UnsafeTarget(
          "Refusing to clean "
              + title
              + " at "
              + shown
              + ": the URL names no database. Name a dedicated test database (e.g. app_test).");
    }
    if (!isTestDatabase(database)) {
      throw new UnsafeTarget(
          "Refusing to clean "
              + title
              + " at "
              + shown
              + ": database '"
              + database
              + "' is not a test database: 'test' must be a whole word of its name (app_test,"
              + " test_app, app-test-2). Point the URL at a dedicated test database (e.g. "
              + database
              + "_test).");
    }
  }
}
