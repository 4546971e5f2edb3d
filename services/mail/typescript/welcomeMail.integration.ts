// Example tests (delete with example_app/): e-mail through a real SMTP capture server.
import { InvalidRecipient, MailNotSent, sendWelcome } from "./example_app/welcomeMail";
import { expect, test } from "./harness/fixtures";

test("welcome mail arrives with recipient, subject and body", async ({ smtpUrl, mailbox }) => {
  const to = mailbox.address("ada");

  await sendWelcome(smtpUrl, to, "Ada");

  const [mail] = await mailbox.waitFor(1);
  expect(mail.to.map((r) => r.address)).toEqual([to]);
  expect(mail.subject).toBe("Welcome, Ada!");
  expect(mail.text).toContain("your account is ready");
  expect(mail.html).toContain("<p>Hello Ada,</p>");
  expect(mail.from[0].address).toBe("hello@example.com");
});

test("each user gets only their own mail", async ({ smtpUrl, mailbox }) => {
  const ada = mailbox.address("ada");
  const grace = mailbox.address("grace");

  await sendWelcome(smtpUrl, ada, "Ada");
  await sendWelcome(smtpUrl, grace, "Grace");

  const subjects = Object.fromEntries((await mailbox.waitFor(2)).map((m) => [m.to[0].address, m.subject]));
  expect(subjects).toEqual({ [ada]: "Welcome, Ada!", [grace]: "Welcome, Grace!" });
});

test("invalid address sends nothing", async ({ smtpUrl, mailbox }) => {
  await expect(sendWelcome(smtpUrl, `not an address ${mailbox.address()}`, "Nobody")).rejects.toBeInstanceOf(
    InvalidRecipient,
  );

  expect(await mailbox.messages()).toEqual([]);
});

test("unreachable mail server is reported", async ({ mailbox }) => {
  await expect(sendWelcome("smtp://127.0.0.1:1", mailbox.address(), "Ada", 2000)).rejects.toBeInstanceOf(MailNotSent);

  expect(await mailbox.messages()).toEqual([]);
});
