"""Example component (delete me): the welcome e-mail, sent over real SMTP."""

from __future__ import annotations

import re
import smtplib
from email.message import EmailMessage
from urllib.parse import urlsplit

SENDER = "Example App <hello@example.com>"
_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}$", re.IGNORECASE)


class InvalidRecipient(ValueError):
    """Not an e-mail address we can send to."""


class MailNotSent(RuntimeError):
    """The mail server could not be reached or refused the message."""


def welcome_message(to: str, name: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = to
    message["Subject"] = f"Welcome, {name}!"
    message.set_content(f"Hello {name},\n\nyour account is ready.\n")
    message.add_alternative(
        f"<p>Hello {name},</p><p>your account is ready.</p>", subtype="html"
    )
    return message


def send_welcome(smtp_url: str, to: str, name: str, timeout: float = 5.0) -> None:
    """Send the welcome mail to ``to`` through the server at ``smtp://host:port``."""
    if not _ADDRESS.match(to):
        raise InvalidRecipient(to)
    server = urlsplit(smtp_url)
    try:
        with smtplib.SMTP(
            server.hostname or "", server.port or 25, timeout=timeout
        ) as smtp:
            smtp.send_message(welcome_message(to, name))
    except (OSError, smtplib.SMTPException) as error:
        raise MailNotSent(f"welcome mail to {to}: {error}") from error
