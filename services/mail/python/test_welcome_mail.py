"""Example tests (delete with example_app/): e-mail through a real SMTP capture server."""

from __future__ import annotations

import pytest
from example_app.welcome_mail import InvalidRecipient, MailNotSent, send_welcome
from integration_harness.mail import Mailbox


def test_welcome_mail_arrives_with_recipient_subject_and_body(
    smtp_url: str, mailbox: Mailbox
) -> None:
    to = mailbox.address("ada")

    send_welcome(smtp_url, to, "Ada")

    (message,) = mailbox.wait_for(1)
    assert [r["address"] for r in message["to"]] == [to]
    assert message["subject"] == "Welcome, Ada!"
    assert "your account is ready" in message["text"]
    assert "<p>Hello Ada,</p>" in message["html"]
    assert message["from"][0]["address"] == "hello@example.com"


def test_each_user_gets_only_their_own_mail(smtp_url: str, mailbox: Mailbox) -> None:
    ada, grace = mailbox.address("ada"), mailbox.address("grace")

    send_welcome(smtp_url, ada, "Ada")
    send_welcome(smtp_url, grace, "Grace")

    messages = mailbox.wait_for(2)
    subjects = {m["to"][0]["address"]: m["subject"] for m in messages}
    assert subjects == {ada: "Welcome, Ada!", grace: "Welcome, Grace!"}


def test_invalid_address_sends_nothing(smtp_url: str, mailbox: Mailbox) -> None:
    with pytest.raises(InvalidRecipient):
        send_welcome(smtp_url, f"not an address {mailbox.address()}", "Nobody")

    assert mailbox.messages() == []


def test_unreachable_mail_server_is_reported(mailbox: Mailbox) -> None:
    with pytest.raises(MailNotSent, match="welcome mail to"):
        send_welcome("smtp://127.0.0.1:1", mailbox.address(), "Ada", timeout=2)

    assert mailbox.messages() == []
