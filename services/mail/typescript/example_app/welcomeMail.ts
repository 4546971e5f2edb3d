// Example component (delete me): the welcome e-mail, sent over real SMTP.
import nodemailer from "nodemailer";

export const SENDER = "Example App <hello@example.com>";
const ADDRESS = /^[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}$/i;

/** Not an e-mail address we can send to. */
export class InvalidRecipient extends Error {}

/** The mail server could not be reached or refused the message. */
export class MailNotSent extends Error {}

/** Send the welcome mail to `to` through the server at `smtp://host:port`. */
export async function sendWelcome(smtpUrl: string, to: string, name: string, timeoutMs = 5000): Promise<void> {
  if (!ADDRESS.test(to)) throw new InvalidRecipient(to);
  const server = new URL(smtpUrl);
  const transport = nodemailer.createTransport({
    host: server.hostname,
    port: Number(server.port || 25),
    secure: false,
    ignoreTLS: true,
    connectionTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.sendMail({
      from: SENDER,
      to,
      subject: `Welcome, ${name}!`,
      text: `Hello ${name},\n\nyour account is ready.\n`,
      html: `<p>Hello ${name},</p><p>your account is ready.</p>`,
    });
  } catch (error) {
    throw new MailNotSent(`welcome mail to ${to}: ${error instanceof Error ? error.message : error}`);
  } finally {
    transport.close();
  }
}
