package integration.exampleapp;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.util.regex.Pattern;
import org.springframework.mail.MailException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;

/** Example component (delete me): the welcome e-mail, sent over real SMTP (Spring Mail). */
public final class WelcomeMail {
  /** Who the mail comes from. */
  public static final String SENDER = "Example App <hello@example.com>";

  private static final Pattern ADDRESS =
      Pattern.compile("^[^@\\s<>]+@[^@\\s<>]+\\.[a-z]{2,}$", Pattern.CASE_INSENSITIVE);

  private final JavaMailSender sender;

  /** Sends through {@code sender} (in Spring, the auto-configured {@code JavaMailSender}). */
  public WelcomeMail(JavaMailSender sender) {
    this.sender = sender;
  }

  /** Not an e-mail address we can send to. */
  public static final class InvalidRecipient extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** The address refused. */
    public InvalidRecipient(String address) {
      super(address);
    }
  }

  /** The mail server could not be reached or refused the message. */
  public static final class MailNotSent extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What failed, and why. */
    public MailNotSent(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Send the welcome mail to {@code to}, greeting {@code name}: plain text and HTML. */
  public void send(String to, String name) {
    if (!ADDRESS.matcher(to).matches()) {
      throw new InvalidRecipient(to);
    }
    try {
      MimeMessage message = sender.createMimeMessage();
      MimeMessageHelper helper = new MimeMessageHelper(message, true, "UTF-8");
      helper.setFrom(SENDER);
      helper.setTo(to);
      helper.setSubject("Welcome, " + name + "!");
      helper.setText(
          "Hello " + name + ",\n\nyour account is ready.\n",
          "<p>Hello " + name + ",</p><p>your account is ready.</p>");
      sender.send(message);
    } catch (MessagingException | MailException error) {
      throw new MailNotSent("welcome mail to " + to + ": " + error.getMessage(), error);
    }
  }
}
