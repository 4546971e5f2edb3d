"""The template's tests that are only about MQTT (Mosquitto): compose runs it listening
beyond loopback, and the README says what a local broker needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rig import (
    CATALOGUE,
    all_combinations,
    alone_answers,
    combination_id,
    compose_file,
    local_server_rows,
    render,
    services_for,
)

pytestmark = pytest.mark.render_only  # never talks to the test services (conftest.py)

SERVICE = "mqtt"
WITH_MQTT = [a for a in all_combinations() if SERVICE in services_for(a)]


@pytest.mark.parametrize("answers", WITH_MQTT, ids=combination_id)
def test_compose_runs_mosquitto_with_its_no_auth_config(
    answers: dict, tmp_path: Path
) -> None:
    """The image's default config listens on loopback only; /mosquitto-no-auth.conf in
    the image has `listener 1883` and `allow_anonymous true`."""
    entry = CATALOGUE[SERVICE]
    project = render(tmp_path / "project", **answers)
    service = compose_file(project)["services"][entry["compose_host"]]

    assert service["command"][-2:] == ["-c", "/mosquitto-no-auth.conf"]
    assert entry["container_port"] == 1883


def test_readme_says_a_local_broker_needs_a_loopback_listener(tmp_path: Path) -> None:
    entry = CATALOGUE[SERVICE]
    project = render(tmp_path / "project", **alone_answers(SERVICE))

    row = local_server_rows(project)[entry["title"]]

    assert f"listener {entry['host_port']} 127.0.0.1" in row, row
