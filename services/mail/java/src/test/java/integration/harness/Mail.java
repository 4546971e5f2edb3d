// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.opentest4j.AssertionFailedError;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * E-mail capture for the tests (Mailpit): parameters {@code Mail.Mailbox}, {@code JavaMailSender}
 * and {@code @Mail.SmtpUrl String}.
 *
 * <p>The code under test sends real SMTP (Spring's {@code JavaMailSender} on Jakarta Mail) to a
 * capture server that delivers nothing; tests read what arrived through its REST API ({@code
 * java.net.http}): a search for the test's addresses, then each message.
 *
 * <p>Isolation: the capture server is shared by every worker and is never emptied as a whole.
 * Each test sends to addresses of its own ({@code mailbox.address("ada")} gives {@code
 * ada+test-<worker>-mail-<stamp><random>@example.com}), reads only the messages for them, and
 * deletes those after the test by their IDs (Mailpit deletes every message when asked to delete
 * none: never done here).
 */
public final class Mail implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("mail");
  static final String URL_VAR = Services.Catalogue.urlVar("mail");
  static final String SMTP_URL_VAR = Services.Catalogue.alsoUrlVars("mail").get(0);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The settings of the MailDev this replaced (integration-harness 0.4.0 and before). */
  static final Map<String, String> RENAMED =
      Map.of("TEST_MAILDEV_URL", URL_VAR, "TEST_MAILDEV_PORT", "TEST_MAILPIT_PORT");

  /** {@code smtp://host:port} of the capture server, for code under test. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface SmtpUrl {}

  /**
   * Refuse {@code url} unless its host is a disposable test service. A setting of the MailDev
   * this replaced stops the run naming its new name, rather than being silently ignored.
   */
  @Override
  public void guard(String url, Settings settings) {
    for (Map.Entry<String, String> renamed : RENAMED.entrySet()) {
      if (settings.get(renamed.getKey()).isPresent()) {
        throw new IllegalArgumentException(
            renamed.getKey()
                + " is set, but e-mail capture is Mailpit now: rename it "
                + renamed.getValue()
                + " (in .env.test.local or the environment)");
      }
    }
    Safety.ensureDisposableUrl(
        TITLE,
        List.of(URL_VAR, SMTP_URL_VAR),
        url,
        settings.allowedHosts(),
        "http",
        "https",
        "smtp");
  }

  @Override
  public String probe(String url, Duration timeout) throws Exception {
    Readiness.httpGet(Readiness.trimmedUrl(url) + "/readyz", timeout, "Mailpit");
    return TITLE;
  }

  /** The SMTP URL is guarded before any test too: the code under test sends there. */
  @Override
  public void preflight(String url, Settings settings, Session session) {
    guard(settings.url(SMTP_URL_VAR), settings);
  }

  /**
   * A {@code JavaMailSender} for the server at {@code smtp://host:port}, giving up after {@code
   * timeout} (connect, read and write).
   */
  public static JavaMailSenderImpl mailSender(String smtpUrl, Duration timeout) {
    URI uri = URI.create(smtpUrl.strip());
    if (!"smtp".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("not an smtp://host:port URL: " + Safety.redact(smtpUrl));
    }
    JavaMailSenderImpl sender = new JavaMailSenderImpl();
    sender.setHost(uri.getHost());
    sender.setPort(uri.getPort() != -1 ? uri.getPort() : 25);
    Properties properties = new Properties();
    String millis = String.valueOf(timeout.toMillis());
    properties.setProperty("mail.smtp.connectiontimeout", millis);
    properties.setProperty("mail.smtp.timeout", millis);
    properties.setProperty("mail.smtp.writetimeout", millis);
    sender.setJavaMailProperties(properties);
    return sender;
  }

  /** Addresses that only this test uses, and the captured messages sent to them. */
  public static final class Mailbox {
    private final HttpClient http;
    private final String apiUrl;
    private final String tag;

    Mailbox(HttpClient http, String apiUrl, String tag) {
      this.http = http;
      this.apiUrl = Readiness.trimmedUrl(apiUrl);
      this.tag = tag;
    }

    /** A recipient address unique to this test, e.g. {@code ada+test-main-mail-...@example.com}. */
    public String address(String name) {
      return address(name, "example.com");
    }

    /** {@link #address(String)} at another domain. */
    public String address(String name, String domain) {
      return name + "+" + tag + "@" + domain;
    }

    /** {@code user+<tag>@example.com}. */
    public String address() {
      return address("user");
    }

    private String call(String method, String path, String body)
        throws IOException, InterruptedException {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(apiUrl + path)).timeout(Duration.ofSeconds(10));
      if (body == null) {
        request.method(method, HttpRequest.BodyPublishers.noBody());
      } else {
        request
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body));
      }
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() / 100 != 2) {
        throw new IOException(
            TITLE + ": HTTP " + response.statusCode() + " from " + method + " " + path);
      }
      return response.body();
    }

    /** Mailpit's summaries of this test's messages (To, Cc or Bcc), oldest first. */
    private List<JsonNode> summaries() throws IOException, InterruptedException {
      String marker = ("+" + tag + "@").toLowerCase(Locale.ROOT);
      String query = URLEncoder.encode(marker, StandardCharsets.UTF_8);
      List<JsonNode> mine = new ArrayList<>();
      JsonNode found = JSON.readTree(call("GET", "/api/v1/search?limit=1000&query=" + query, null));
      for (JsonNode summary : found.path("messages")) {
        if (recipientsOf(summary).stream()
            .anyMatch(
                r -> r.path("Address").asString("").toLowerCase(Locale.ROOT).contains(marker))) {
          mine.add(summary);
        }
      }
      Collections.reverse(mine); // Mailpit lists the newest first
      return mine;
    }

    private static List<JsonNode> recipientsOf(JsonNode message) {
      List<JsonNode> all = new ArrayList<>();
      for (String field : List.of("To", "Cc", "Bcc")) {
        message.path(field).forEach(all::add);
      }
      return all;
    }

    private static ArrayNode addresses(JsonNode value) {
      ArrayNode out = JSON.createArrayNode();
      List<JsonNode> items = new ArrayList<>();
      if (value.isArray()) {
        value.forEach(items::add);
      } else if (value.isObject()) {
        items.add(value);
      }
      for (JsonNode item : items) {
        ObjectNode address = out.addObject();
        address.put("address", item.path("Address").asString(""));
        address.put("name", item.path("Name").asString(""));
      }
      return out;
    }

    private JsonNode read(JsonNode summary) throws IOException, InterruptedException {
      String id = summary.path("ID").asString();
      JsonNode full =
          JSON.readTree(
              call("GET", "/api/v1/message/" + URLEncoder.encode(id, StandardCharsets.UTF_8), null));
      ObjectNode message = JSON.createObjectNode();
      message.put("id", id);
      message.put("subject", full.path("Subject").asString(""));
      message.put("text", full.path("Text").asString(""));
      message.put("html", full.path("HTML").asString(""));
      message.set("from", addresses(full.path("From")));
      ArrayNode recipients = JSON.createArrayNode();
      for (String field : List.of("To", "Cc", "Bcc")) {
        ArrayNode list = addresses(full.path(field));
        message.set(field.toLowerCase(Locale.ROOT), list);
        recipients.addAll(list);
      }
      message.put("time", summary.path("Created").asString(""));
      message.set(
          "attachments",
          full.path("Attachments").isArray() ? full.path("Attachments") : JSON.createArrayNode());
      message.putObject("envelope").set("to", recipients);
      message.set("mailpit", full);
      return message;
    }

    private List<JsonNode> readAll(List<JsonNode> summaries)
        throws IOException, InterruptedException {
      List<JsonNode> messages = new ArrayList<>();
      for (JsonNode summary : summaries) {
        messages.add(read(summary));
      }
      return messages;
    }

    /**
     * Messages captured for this test's addresses (To, Cc or Bcc), oldest first. Each is an
     * object with the fields MailDev gave, so tests written for it keep working: {@code subject},
     * {@code text}, {@code html}, {@code from}, {@code to}, {@code cc}, {@code bcc} (arrays of
     * {@code {address, name}}), {@code time}, {@code id}, {@code attachments}, {@code envelope}
     * ({@code to}: every recipient); {@code mailpit} is Mailpit's own JSON of the message.
     */
    public List<JsonNode> messages() throws IOException, InterruptedException {
      return readAll(summaries());
    }

    /** At least {@code count} messages for this test, waiting up to {@code timeout}; else fail. */
    public List<JsonNode> waitFor(int count, Duration timeout)
        throws IOException, InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        List<JsonNode> found = summaries();
        if (found.size() >= count) {
          return readAll(found);
        }
        if (System.nanoTime() >= deadline) {
          throw new AssertionFailedError(
              found.size() + " of " + count + " e-mails for *+" + tag + "@ arrived in "
                  + timeout.toMillis() / 1000.0 + "s");
        }
        Thread.sleep(50);
      }
    }

    /** {@link #waitFor(int, Duration)} with a 5 second timeout. */
    public List<JsonNode> waitFor(int count) throws IOException, InterruptedException {
      return waitFor(count, Duration.ofSeconds(5));
    }

    /** Deletes this test's messages by their IDs (never an empty list: that is all of them). */
    void deleteAll() throws IOException, InterruptedException {
      ArrayNode ids = JSON.createArrayNode();
      for (JsonNode summary : summaries()) {
        ids.add(summary.path("ID").asString());
      }
      if (!ids.isEmpty()) {
        ObjectNode body = JSON.createObjectNode();
        body.set("IDs", ids);
        call("DELETE", "/api/v1/messages", JSON.writeValueAsString(body));
      }
    }
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return type == Mailbox.class
        || type == JavaMailSender.class
        || (type == String.class && parameter.isAnnotated(SmtpUrl.class));
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session) {
    Class<?> type = parameter.getParameter().getType();
    String smtpUrl = session.settings().url(SMTP_URL_VAR);
    guard(smtpUrl, session.settings());
    if (type == String.class) {
      return smtpUrl;
    }
    if (type == JavaMailSender.class) {
      return session.shared(
          "mail.sender",
          JavaMailSenderImpl.class,
          () -> mailSender(smtpUrl, Duration.ofSeconds(10)));
    }
    String apiUrl = session.settings().url(URL_VAR);
    guard(apiUrl, session.settings());
    HttpClient http =
        session.shared(
            "mail.api",
            HttpClient.class,
            () ->
                HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10))
                    .build());
    return Session.perTest(
        context,
        "mail.mailbox",
        () -> new Mailbox(http, apiUrl, Session.uniqueTestName("Mail.Mailbox", "mail", "-")),
        mailbox -> {
          guard(apiUrl, session.settings());
          mailbox.deleteAll();
        });
  }
}
