"""The template's tests that are only about the e-mail capture (Mailpit): the native server
is the image's version, and the Python `mailbox` never deletes what is not its test's.

Mailpit deletes every message when asked to delete an empty list of IDs, so a mailbox with
nothing of its own must send no delete at all; the end-to-end suites would not notice (their
tests delete their own messages anyway), so this test puts a bystander message beside an
empty mailbox and checks it survives the mailbox's cleanup.
"""

from __future__ import annotations

import importlib
import smtplib
import sys
import uuid
from email.message import EmailMessage
from pathlib import Path

import httpx

from native.common import native_service
from services.mail import native as native_mail
from tests.rig import CATALOGUE, alone_answers, render

SERVICE = "mail"


def test_native_mailpit_is_the_images_version() -> None:
    assert CATALOGUE[SERVICE]["image"] == f"axllent/mailpit:{native_mail.VERSION}"


def test_an_empty_mailbox_deletes_nothing_of_anyone_else(tmp_path: Path) -> None:
    project = render(tmp_path / "project", **alone_answers(SERVICE))
    sys.path.insert(0, str(project / "tests/integration"))
    try:
        mail = importlib.import_module("integration_harness.mail")
    finally:
        sys.path.remove(str(project / "tests/integration"))
        for name in [n for n in sys.modules if n.startswith("integration_harness")]:
            del sys.modules[name]
    api_url = native_service(SERVICE).url
    mark = f"bystander-{uuid.uuid4().hex}"
    smtp_port = int(CATALOGUE[SERVICE]["also"][0]["host_port"])
    bystander = EmailMessage()
    bystander["From"] = "hello@example.com"
    bystander["To"] = "bystander@example.com"
    bystander["Subject"] = f"not a test's mail {mark}"
    bystander.set_content("kept")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=5) as smtp:
        smtp.send_message(bystander)

    with httpx.Client(base_url=api_url, timeout=5) as api:

        def bystanders() -> list[str]:
            found = api.get(
                "/api/v1/search", params={"query": f"subject:{mark}"}
            ).json()
            return [message["ID"] for message in found["messages"]]

        try:
            assert len(bystanders()) == 1
            box = mail.Mailbox(api, "test-main-mail-0000000empty")
            assert box.messages() == []
            box.delete_all()
            assert len(bystanders()) == 1
        finally:
            if ids := bystanders():
                api.request("DELETE", "/api/v1/messages", json={"IDs": ids})
