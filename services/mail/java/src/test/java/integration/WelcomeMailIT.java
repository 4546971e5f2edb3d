package integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import integration.exampleapp.WelcomeMail;
import integration.exampleapp.WelcomeMail.InvalidRecipient;
import integration.exampleapp.WelcomeMail.MailNotSent;
import integration.harness.Mail;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mail.javamail.JavaMailSender;
import tools.jackson.databind.JsonNode;

/** Example tests (delete with exampleapp/): e-mail through a real SMTP capture server. */
class WelcomeMailIT {
  @Test
  void welcomeMailArrivesWithRecipientSubjectAndBody(JavaMailSender sender, Mail.Mailbox mailbox)
      throws Exception {
    String to = mailbox.address("ada");

    new WelcomeMail(sender).send(to, "Ada");

    List<JsonNode> messages = mailbox.waitFor(1);
    assertEquals(1, messages.size());
    JsonNode message = messages.get(0);
    assertEquals(1, message.path("to").size());
    assertEquals(to, message.path("to").get(0).path("address").asString());
    assertEquals("Welcome, Ada!", message.path("subject").asString());
    assertTrue(message.path("text").asString().contains("your account is ready"));
    assertTrue(message.path("html").asString().contains("<p>Hello Ada,</p>"));
    assertEquals("hello@example.com", message.path("from").get(0).path("address").asString());
  }

  @Test
  void eachUserGetsOnlyTheirOwnMail(JavaMailSender sender, Mail.Mailbox mailbox)
      throws Exception {
    String ada = mailbox.address("ada");
    String grace = mailbox.address("grace");
    WelcomeMail welcome = new WelcomeMail(sender);

    welcome.send(ada, "Ada");
    welcome.send(grace, "Grace");

    Map<String, String> subjects = new HashMap<>();
    for (JsonNode message : mailbox.waitFor(2)) {
      subjects.put(
          message.path("to").get(0).path("address").asString(),
          message.path("subject").asString());
    }
    assertEquals(Map.of(ada, "Welcome, Ada!", grace, "Welcome, Grace!"), subjects);
  }

  @Test
  void invalidAddressSendsNothing(JavaMailSender sender, Mail.Mailbox mailbox) throws Exception {
    WelcomeMail welcome = new WelcomeMail(sender);

    assertThrows(
        InvalidRecipient.class,
        () -> welcome.send("not an address " + mailbox.address(), "Nobody"));

    assertEquals(List.of(), mailbox.messages());
  }

  @Test
  void unreachableMailServerIsReported(Mail.Mailbox mailbox) throws Exception {
    WelcomeMail welcome =
        new WelcomeMail(Mail.mailSender("smtp://127.0.0.1:1", Duration.ofSeconds(2)));

    MailNotSent error =
        assertThrows(MailNotSent.class, () -> welcome.send(mailbox.address(), "Ada"));

    assertTrue(error.getMessage().startsWith("welcome mail to "), error.getMessage());
    assertEquals(List.of(), mailbox.messages());
  }
}
