// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks, before every run, that the managed files are as the template wrote them.
 *
 * <p>{@code tests/integration/managed-files.sha256} holds the sha256 of every managed file as the
 * template wrote it ({@code sha256sum -c} format, paths from the project root). A file that
 * differs is a warning: {@code copier update} merges the template's changes into it and can leave
 * conflict markers. A missing file, one holding conflict markers or a {@code .rej} file next to
 * one stops the run with one message naming the files and the command that restores them.
 */
public final class ManagedFiles {
  static final String MANIFEST_NAME = "managed-files.sha256";
  static final String INTEGRATION_DIR = "tests/integration";
  static final String RESTORE_PREFIX = "# restore: ";
  private static final Pattern CONFLICT =
      Pattern.compile("^(<{7} |>{7} |<{7}$|>{7}$)", Pattern.MULTILINE);
  private static final Pattern ENTRY = Pattern.compile("^(?<digest>[0-9a-f]{64}) [ *](?<path>.+)$");

  private ManagedFiles() {}

  /** Managed files are missing or hold conflict markers: the run stops. */
  public static final class Broken extends Exception {
    private static final long serialVersionUID = 1L;

    Broken(String message) {
      super(message);
    }
  }

  private static boolean conflicted(Path path) {
    try {
      return CONFLICT.matcher(Files.readString(path, StandardCharsets.UTF_8)).find();
    } catch (IOException | RuntimeException error) {
      return false;
    }
  }

  private static String sha256(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException error) {
      throw new IllegalStateException(error);
    }
  }

  private static boolean matches(byte[] content, String digest) {
    if (sha256(content).equals(digest)) {
      return true;
    }
    String text = new String(content, StandardCharsets.UTF_8);
    return text.contains("\r\n")
        && sha256(text.replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8)).equals(digest);
  }

  /** Print the warnings, or throw {@link Broken} with one message when files are broken. */
  static void enforce() throws Broken, IOException {
    Path integration = Settings.integrationDir();
    Path manifest = integration.resolve(MANIFEST_NAME);
    if (!Files.isRegularFile(manifest)) {
      return;
    }
    Path root = Settings.projectRoot(integration);
    String relative =
        integration.startsWith(root)
            ? root.relativize(integration).toString().replace('\\', '/')
            : integration.toString();
    List<String> edited = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    String restore = "";
    if (conflicted(manifest)) {
      problems.add(relative + "/" + MANIFEST_NAME + ": conflict markers from `copier update`");
    } else {
      for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
        if (line.startsWith(RESTORE_PREFIX)) {
          restore = line.substring(RESTORE_PREFIX.length());
        }
        Matcher entry = ENTRY.matcher(line);
        if (!entry.matches()) {
          continue;
        }
        String name = entry.group("path");
        Path path;
        String shown;
        if (name.startsWith(INTEGRATION_DIR + "/")) {
          String inside = name.substring(INTEGRATION_DIR.length() + 1);
          path = integration.resolve(inside);
          shown = relative + "/" + inside;
        } else {
          path = root.resolve(name);
          shown = name;
        }
        if (!Files.isRegularFile(path)) {
          problems.add(shown + ": missing");
        } else if (conflicted(path)
            || Files.exists(path.resolveSibling(path.getFileName() + ".rej"))) {
          problems.add(0, shown + ": conflict markers from `copier update`");
        } else if (!matches(Files.readAllBytes(path), entry.group("digest"))) {
          edited.add(shown);
        }
      }
    }
    if (!problems.isEmpty()) {
      StringBuilder message =
          new StringBuilder("integration-harness: managed files are broken, no test was run:");
      for (String problem : problems) {
        message.append("\n  - ").append(problem);
      }
      message
          .append(
              "\n  fix: resolve the conflicts by hand (keep your lines and the template's, drop"
                  + " the <<<<<<< ======= >>>>>>> lines), or restore every managed file as the"
                  + " template wrote it:\n    ")
          .append(restore.isEmpty() ? "copier recopy (see below)" : restore)
          .append(
              "\n    (see the README of integration-harness, section 'Restoring managed files');"
                  + " then move your changes to your own files.");
      throw new Broken(message.toString());
    }
    if (!edited.isEmpty()) {
      System.out.println(
          "integration-harness: warning: managed files differ from what the template wrote: "
              + String.join(", ", edited)
              + ". `copier update` merges into them and can leave conflict markers; put changes"
              + " in your own files instead (.env.test.local, compose.test.override.yaml, your"
              + " extensions).");
    }
    if (!relative.equals(INTEGRATION_DIR)) {
      System.out.println(
          "integration-harness: warning: the harness runs from "
              + relative
              + ", but `copier update` only updates "
              + INTEGRATION_DIR
              + ": move the folder back (git mv "
              + relative
              + " "
              + INTEGRATION_DIR
              + ").");
    }
  }
}
