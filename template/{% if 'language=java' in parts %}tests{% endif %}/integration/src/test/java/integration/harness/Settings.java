// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code TEST_*} settings, read in one place.
 *
 * <p>Precedence, highest first: the process environment, {@code .env.test.local} (yours,
 * optional), {@code .env.test} (managed by the template). {@code ${NAME}} in a value is expanded
 * with the same precedence. Only names starting with {@code TEST_} are read, so a stray {@code
 * DATABASE_URL} can never point the tests at a real database. {@code TEST_ENV_FILE} names another
 * base file instead of {@code .env.test}.
 *
 * <p>{@code .env.test} is looked for in the project root only, never above it: the nearest
 * folder at or above the suite (this Maven project) holding {@code .copier-answers.yml}, else the
 * nearest holding {@code .git}, else the folder two levels above {@code tests/integration}. As in
 * docker compose, an unquoted value ends at {@code " #"}. A {@code TEST_*} variable set but empty
 * in the environment stops the run rather than silently falling back to the files.
 */
public final class Settings {
  /** The base settings file, in the project root. */
  public static final String ENV_FILE_NAME = ".env.test";

  /** Your own settings, beside it (never committed). */
  public static final String LOCAL_ENV_FILE_NAME = ".env.test.local";

  private static final double DEFAULT_SERVICE_TIMEOUT = 10.0;
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}");
  private static final Pattern INLINE_COMMENT = Pattern.compile("\\s#");

  private final Map<String, String> values;
  private final Path envFile;

  Settings(Map<String, String> values, Path envFile) {
    this.values = Map.copyOf(values);
    this.envFile = envFile;
  }

  /** A {@code TEST_*} setting the suite needs is set nowhere. */
  public static final class MissingSetting extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MissingSetting(String message) {
      super(message);
    }
  }

  /** The value of {@code name}, or empty when it is unset or empty. */
  public Optional<String> get(String name) {
    String value = values.getOrDefault(name, "");
    return value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  /** The base file the settings came from, if one was found. */
  public Optional<Path> envFile() {
    return Optional.ofNullable(envFile);
  }

  /** The URL in setting {@code name}; throws {@link MissingSetting} naming the fix. */
  public String url(String name) {
    return get(name)
        .orElseThrow(
            () ->
                new MissingSetting(
                    name
                        + " is not set: set it in the environment or in "
                        + (envFile != null ? envFile : ENV_FILE_NAME + " (not found)")
                        + " (to restore the generated "
                        + ENV_FILE_NAME
                        + ", see README, 'Restoring managed files')."));
  }

  /** Extra hosts the safety guard accepts ({@code TEST_ALLOWED_HOSTS}, comma-separated). */
  public Set<String> allowedHosts() {
    Set<String> hosts = new HashSet<>();
    for (String host : get("TEST_ALLOWED_HOSTS").orElse("").split(",")) {
      if (!host.isBlank()) {
        hosts.add(host.strip().toLowerCase(Locale.ROOT));
      }
    }
    return hosts;
  }

  /** How long each service may take to answer ({@code TEST_SERVICE_TIMEOUT}, seconds). */
  public Duration serviceTimeout() {
    Optional<String> raw = get("TEST_SERVICE_TIMEOUT");
    if (raw.isEmpty()) {
      return Duration.ofMillis((long) (DEFAULT_SERVICE_TIMEOUT * 1000));
    }
    try {
      return Duration.ofMillis((long) (Double.parseDouble(raw.get()) * 1000));
    } catch (NumberFormatException error) {
      throw new MissingSetting(
          "TEST_SERVICE_TIMEOUT must be a number of seconds, not '" + raw.get() + "'");
    }
  }

  /** Parse {@code NAME=value} lines; {@code #} comments, blank lines and quotes are allowed. */
  public static Map<String, String> parseEnvFile(String text) {
    Map<String, String> parsed = new LinkedHashMap<>();
    List<String> lines = text.lines().toList();
    for (int number = 1; number <= lines.size(); number++) {
      String line = lines.get(number - 1).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring("export ".length());
      }
      int equals = line.indexOf('=');
      if (equals < 0 || line.substring(0, equals).isBlank()) {
        throw new IllegalArgumentException(
            "line " + number + ": expected NAME=value, got '" + line + "'");
      }
      String value = line.substring(equals + 1).strip();
      if (!value.isEmpty()
          && (value.charAt(0) == '\'' || value.charAt(0) == '"')
          && value.indexOf(value.charAt(0), 1) > 0) {
        value = value.substring(1, value.indexOf(value.charAt(0), 1));
      } else {
        value = INLINE_COMMENT.split(value, 2)[0].stripTrailing();
      }
      parsed.put(line.substring(0, equals).strip(), value);
    }
    return parsed;
  }

  /** The folder of this suite: Maven's {@code basedir}, else the working directory. */
  public static Path integrationDir() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
        .toAbsolutePath()
        .normalize();
  }

  /** The project root: holding .copier-answers.yml, else .git, else two levels up. */
  public static Path projectRoot(Path integration) {
    for (String marker : List.of(".copier-answers.yml", ".git")) {
      for (Path folder = integration; folder != null; folder = folder.getParent()) {
        if (Files.exists(folder.resolve(marker))) {
          return folder;
        }
      }
    }
    Path up = integration.getParent() == null ? null : integration.getParent().getParent();
    return up != null ? up : integration;
  }

  /** {@code TEST_ENV_FILE}, else the project root's {@code .env.test} (never a parent's). */
  public static Path findEnvFile(Map<String, String> environ) {
    String explicit = environ.getOrDefault("TEST_ENV_FILE", "");
    if (!explicit.isEmpty()) {
      return Path.of(explicit);
    }
    Path candidate = projectRoot(integrationDir()).resolve(ENV_FILE_NAME);
    return Files.isRegularFile(candidate) ? candidate : null;
  }

  /** The settings of this process: environment, .env.test.local, .env.test. */
  public static Settings load() throws IOException {
    return load(System.getenv(), null);
  }

  /** The settings with the documented precedence, {@code ${NAME}} expanded. */
  public static Settings load(Map<String, String> environ, Path envFile) throws IOException {
    Set<String> empty = new TreeSet<>();
    environ.forEach(
        (name, value) -> {
          if (name.startsWith("TEST_") && value.isBlank()) {
            empty.add(name);
          }
        });
    if (!empty.isEmpty()) {
      throw new IllegalArgumentException(
          empty.iterator().next()
              + " is set but empty in the environment: unset it or give it a value");
    }
    Path file = envFile != null ? envFile : findEnvFile(environ);
    Map<String, String> merged = new LinkedHashMap<>();
    if (file != null) {
      merged.putAll(parseEnvFile(Files.readString(file)));
      Path local = file.resolveSibling(LOCAL_ENV_FILE_NAME);
      if (Files.isRegularFile(local)) {
        merged.putAll(parseEnvFile(Files.readString(local)));
      }
    }
    environ.forEach(
        (name, value) -> {
          if (name.startsWith("TEST_")) {
            merged.put(name, value);
          }
        });
    Map<String, String> resolved = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : merged.entrySet()) {
      if (entry.getKey().startsWith("TEST_")) {
        resolved.put(entry.getKey(), expand(merged, entry.getValue(), List.of(entry.getKey())));
      }
    }
    return new Settings(resolved, file);
  }

  private static String expand(Map<String, String> merged, String value, List<String> seen) {
    Matcher matcher = REFERENCE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String name = matcher.group(1);
      if (seen.contains(name)) {
        throw new IllegalArgumentException(name + " refers to itself");
      }
      List<String> deeper = new java.util.ArrayList<>(seen);
      deeper.add(name);
      matcher.appendReplacement(
          out, Matcher.quoteReplacement(expand(merged, merged.getOrDefault(name, ""), deeper)));
    }
    matcher.appendTail(out);
    return out.toString();
  }
}
