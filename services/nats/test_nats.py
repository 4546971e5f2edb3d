"""The template's tests that are only about NATS: JetStream on in compose and its
healthcheck, what a local server needs, the sweep of streams a killed run left (Python
and TypeScript), and NATS beside the default database and cache end to end."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from pathlib import Path

import nats
import nats.errors
import pytest

from native.common import native_service
from tests.rig import (
    CATALOGUE,
    all_combinations,
    alone_answers,
    clean_environment,
    combination_id,
    compose_file,
    free_port,
    local_server_rows,
    make,
    render,
    run_external,
    services_for,
    stamp,
    stamped,
    wait_for_port,
)
from tests.test_generated_suites import (
    passes_repeatedly_and_in_parallel_leaving_nothing,
)

SERVICE = "nats"
WITH_NATS = [a for a in all_combinations() if SERVICE in services_for(a)]


def nats_service(project: Path) -> dict:
    """NATS's service in the project's compose.test.yaml."""
    return compose_file(project)["services"][CATALOGUE[SERVICE]["compose_host"]]


@pytest.mark.parametrize("answers", WITH_NATS, ids=combination_id)
@pytest.mark.render_only
def test_compose_runs_nats_with_jetstream_and_checks_it_on_the_monitor(
    answers: dict, tmp_path: Path
) -> None:
    """The image's default config has no JetStream; the check reads the monitor port."""
    service = nats_service(render(tmp_path / "project", **answers))
    command = service["command"]
    assert "-js" in command and "-sd" in command, command
    monitor = command[command.index("-m") + 1]
    assert f"127.0.0.1:{monitor}/" in service["healthcheck"]["test"][1]


@pytest.mark.skipif(not shutil.which("nats-server"), reason="no nats-server here")
@pytest.mark.render_only
def test_nats_healthcheck_passes_only_with_jetstream(tmp_path: Path) -> None:
    """The compose healthcheck, run against real servers with and without -js."""
    project = render(tmp_path / "project", **WITH_NATS[0])
    service = nats_service(project)
    check = service["healthcheck"]["test"][1].replace("$$", "$")
    assert "127.0.0.1:8222" in check and "8222" in service["command"]
    results = {}
    for jetstream in (True, False):
        port, monitor = free_port(), free_port()
        command = [
            "nats-server",
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            str(monitor),
        ]
        if jetstream:
            command += ["-js", "-sd", str(tmp_path / "store")]
        server = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(monitor)
            probe = check.replace("127.0.0.1:8222", f"127.0.0.1:{monitor}")
            results[jetstream] = subprocess.run(
                ["sh", "-c", probe], check=False, timeout=30
            ).returncode
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert results == {True: 0, False: 1}, results
    gone = check.replace("127.0.0.1:8222", f"127.0.0.1:{free_port()}")
    assert subprocess.run(["sh", "-c", gone], check=False, timeout=30).returncode != 0


@pytest.mark.render_only
def test_readme_says_a_local_nats_server_needs_jetstream(tmp_path: Path) -> None:
    project = render(tmp_path / "project", **alone_answers(SERVICE))

    row = local_server_rows(project)[CATALOGUE[SERVICE]["title"]]

    assert "-js" in row, row


def test_nats_streams_a_killed_run_leaked_are_swept_and_fresh_ones_kept(
    tmp_path: Path, shared_venv: dict[str, str]
) -> None:
    """Python, on the shared server: a 2-hour-old test stream goes, a fresh one stays."""
    url = native_service(SERVICE).url
    stale = f"test-main-orders-{stamp(time.time() - 7200)}a1b2c3"
    fresh = f"test-main-orders-{stamp(time.time())}d4e5f6"

    async def streams(*create: str, delete: tuple[str, ...] = ()) -> set[str]:
        client = await nats.connect(url)
        try:
            jetstream = client.jetstream()
            for name in create:
                await jetstream.add_stream(name=name, subjects=[f"{name}.>"])
            names = {info.config.name for info in await jetstream.streams_info()}
            for name in delete:
                if name in names:
                    await jetstream.delete_stream(name)
            return names
        finally:
            await client.close()

    asyncio.run(streams(stale, fresh))
    project = render(tmp_path / "nats", **alone_answers(SERVICE))
    try:
        result = make(
            project, "integration-test-external", "ARGS=-k settings", env=shared_venv
        )
    finally:
        names = asyncio.run(streams(delete=(stale, fresh)))

    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert stale not in names
    assert fresh in names


def test_streams_a_killed_run_left_are_removed_by_the_next_typescript_run(
    typescript_project, tmp_path: Path
) -> None:
    """TypeScript, on a NATS of our own: a 2-hour-old test stream goes, a fresh one and
    others stay."""
    port = free_port()
    server = subprocess.Popen(
        [
            "nats-server",
            "-a",
            "127.0.0.1",
            "-p",
            str(port),
            "-js",
            "-sd",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    old, fresh = stamped("leak", 7200), stamped("running", 60)
    try:
        url = f"nats://127.0.0.1:{port}"

        async def streams(*create: str) -> list[str]:
            client = await nats.connect(url, allow_reconnect=False)
            try:
                js = client.jetstream()
                for name in create:
                    await js.add_stream(name=name, subjects=[f"{name}.>"])
                return sorted(info.config.name for info in await js.streams_info())
            finally:
                await client.close()

        for _ in range(100):
            try:
                asyncio.run(streams())
                break
            except (OSError, nats.errors.Error):
                time.sleep(0.1)  # still starting
        asyncio.run(streams(old, fresh, "orders"))

        status, output, _ = run_external(
            typescript_project(alone_answers(SERVICE)),
            clean_environment(TEST_SERVICE_TIMEOUT="3", TEST_NATS_URL=url),
            timeout=180,
        )
        left = asyncio.run(streams())
    finally:
        server.terminate()
        server.wait(10)

    assert status == 0, output[-3000:]
    assert left == sorted([fresh, "orders"])


def test_nats_beside_the_default_database_and_cache_passes_repeatedly_leaving_nothing(
    shared_venv: dict[str, str], tmp_path: Path
) -> None:
    """The default stack with NATS as its broker, end to end (tests/test_generated_suites.py)."""
    answers = {"queue": CATALOGUE[SERVICE]["selected_by"]["queue"]}
    project = render(tmp_path / "postgres-redis-nats", **answers)
    passes_repeatedly_and_in_parallel_leaving_nothing(project, answers, shared_venv)
