"""`make integration-test` end to end through a stand-in `docker` (tests/standin).

This machine has no Docker engine. The stand-in answers `docker compose` as
compose v2 does for the calls integration.mk makes, loads the compose file with
compose-go and starts the NATIVE server of every service on the host port the
file publishes, so the Makefile's flow, the per-checkout project name and the
hand-off of ports from .env.test to the suite run for real. The native servers
are shared: `down` is recorded, never carried out.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from native.common import port_open
from tests.compose_loader import build, checkout_hash
from tests.rig import (
    CATALOGUE,
    ROOT,
    combination_id,
    covering,
    local_server_rows,
    make,
    render,
    services_for,
)

STANDIN = ROOT / "tests" / "standin" / "docker.py"
BUSY = ("Another test run is using", "already holds")


@pytest.fixture
def docker(tmp_path: Path) -> dict[str, str]:
    """Environment that puts the stand-in `docker` first on PATH, with its own state."""
    bin_dir = tmp_path / "standin-bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(
        f'#!/bin/sh\nexec "{sys.executable}" "{STANDIN}" "$@"\n'
    )
    (bin_dir / "docker").chmod(0o755)
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "STANDIN_DOCKER_STATE": str(tmp_path / "standin-state"),
        "STANDIN_COMPOSE_LOADER": str(build()),
    }


def calls(env: dict[str, str]) -> list[list[str]]:
    log = Path(env["STANDIN_DOCKER_STATE"]) / "calls.jsonl"
    return (
        [json.loads(line)["argv"] for line in log.read_text().splitlines()]
        if log.exists()
        else []
    )


def compose_calls(env: dict[str, str], command: str) -> list[list[str]]:
    """`docker compose ... COMMAND ...` calls, global flags and all."""
    found = []
    for argv in calls(env):
        if argv[:1] != ["compose"]:
            continue
        rest = argv[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[2:]
        if rest[:1] == [command]:
            found.append(argv)
    return found


def project_name(argv: list[str]) -> str:
    return argv[argv.index("-p") + 1]


def run_until_not_busy(
    project: Path, target: str, env: dict[str, str], timeout: float = 600
):
    """make TARGET, again while another session's run holds the shared database or Redis."""
    for _ in range(6):
        result = make(project, target, env=env, timeout=timeout)
        if result.returncode == 0 or not any(
            b in result.stdout + result.stderr for b in BUSY
        ):
            return result
        time.sleep(10)
    return result


@pytest.mark.parametrize(
    "answers",
    [{}, {"language": "typescript"}],
    ids=["python-default-stack", "typescript-default-stack"],
)
def test_make_integration_test_starts_the_stack_runs_the_suite_and_stops_it(
    answers: dict[str, str],
    docker: dict[str, str],
    shared_venv: dict[str, str],
    tmp_path: Path,
) -> None:
    project = render(tmp_path / "demo-app", **answers)
    expected_name = f"demo-app-test-{checkout_hash(project)}"
    env = {**docker, **(shared_venv if not answers else {})}

    result = run_until_not_busy(project, "integration-test", env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert re.search(r"\d+ passed", output) and "failed" not in output, output[-3000:]
    ups, downs = compose_calls(docker, "up"), compose_calls(docker, "down")
    assert len(ups) == 1 and len(downs) == 1
    assert project_name(ups[0]) == project_name(downs[0]) == expected_name
    assert ups[0][-5:] == ["up", "-d", "--wait", "--wait-timeout", "120"]
    assert calls(docker).index(ups[0]) < calls(docker).index(downs[0])
    # The stand-in started (or found) each service on the port compose publishes,
    # which is the port the suite read from the same .env.test.
    for name in services_for(answers):
        assert port_open(CATALOGUE[name]["host_port"])
    assert (
        json.loads((Path(docker["STANDIN_DOCKER_STATE"]) / "projects.json").read_text())
        == {}
    )


def test_keep_leaves_the_stack_up_and_port_reports_the_published_port(
    docker: dict[str, str], tmp_path: Path
) -> None:
    project = render(tmp_path / "demo-app")

    up = make(project, "integration-services-up", env=docker)
    assert up.returncode == 0, up.stdout + up.stderr
    name = project_name(compose_calls(docker, "up")[0])
    port = subprocess.run(
        [
            "docker",
            "compose",
            "-p",
            name,
            "-f",
            "compose.test.yaml",
            "--env-file",
            ".env.test",
            "port",
            "postgres",
            "5432",
        ],
        cwd=project,
        env={**os.environ, **docker},
        text=True,
        capture_output=True,
        check=False,
    )
    assert port.stdout.strip() == "127.0.0.1:25432", port.stderr
    again = make(project, "integration-services-up", env=docker)
    assert again.returncode == 0, again.stdout + again.stderr
    down = make(project, "integration-services-down", env=docker)
    assert down.returncode == 0, down.stdout + down.stderr
    assert [project_name(c) for c in compose_calls(docker, "down")] == [name]


def test_a_second_checkout_is_refused_naming_the_first_and_the_fix(
    docker: dict[str, str], tmp_path: Path
) -> None:
    first = render(tmp_path / "one" / "demo-app")
    second = tmp_path / "two" / "demo-app"
    shutil.copytree(first, second)

    started = make(first, "integration-services-up", env=docker)
    assert started.returncode == 0, started.stdout + started.stderr
    refused = make(second, "integration-test", env=docker)

    output = refused.stdout + refused.stderr
    first_name = f"demo-app-test-{checkout_hash(first)}"
    assert refused.returncode != 0
    assert first_name != f"demo-app-test-{checkout_hash(second)}"
    assert output.count("integration-harness:") == 1, output
    assert f"compose project {first_name} (started from {first})" in output
    assert "already publishes port(s) 25432 25682 25379" in output
    assert f"`make integration-services-down` in {first}" in output
    assert (
        "TEST_POSTGRES_PORT=26432 TEST_RABBITMQ_PORT=26682 TEST_REDIS_PORT=26379"
        in output
    )
    assert len(compose_calls(docker, "up")) == 1, "the second stack was started"
    assert compose_calls(docker, "down") == [], "the first stack was stopped"

    stopped = make(first, "integration-services-down", env=docker)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    now = make(second, "integration-services-up", env=docker)
    assert now.returncode == 0, now.stdout + now.stderr
    assert (
        project_name(compose_calls(docker, "up")[-1])
        == f"demo-app-test-{checkout_hash(second)}"
    )
    make(second, "integration-services-down", env=docker)


def test_the_same_checkout_keeps_its_project_name_and_make_p_overrides_it(
    docker: dict[str, str], tmp_path: Path
) -> None:
    project = render(tmp_path / "demo-app")
    for extra in ((), ("INTEGRATION_PROJECT=shared-stack",)):
        for target in (
            "integration-services-up",
            "integration-services-up",
            "integration-services-down",
        ):
            result = subprocess.run(
                ["make", "--no-print-directory", "-C", str(project), target, *extra],
                env={**os.environ, **docker},
                text=True,
                capture_output=True,
                check=False,
            )
            assert result.returncode == 0, result.stdout + result.stderr
    names = [project_name(c) for c in compose_calls(docker, "up")]
    assert (
        names == [f"demo-app-test-{checkout_hash(project)}"] * 2 + ["shared-stack"] * 2
    )
    assert [project_name(c) for c in compose_calls(docker, "down")] == [
        names[0],
        "shared-stack",
    ]


TOOLS = ("make", "sh", "sed", "awk", "cksum", "cat", "head", "grep", "env", "python3")


def without_docker_path(tmp_path: Path) -> str:
    """A PATH with make and the shell tools integration.mk uses, and no `docker`."""
    bin_dir = tmp_path / "no-docker-bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        if found:
            (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def fake_docker_without_compose(tmp_path: Path) -> str:
    """A `docker` CLI without the compose v2 plugin, answering as docker 28 does."""
    bin_dir = tmp_path / "docker-no-compose-bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(
        "#!/bin/sh\n"
        'if [ "$1" = compose ]; then\n'
        '  case "$2" in -*) echo "unknown shorthand flag: \'${2#-}\' in $2" >&2;;\n'
        "  *) echo 'docker: unknown command: docker compose' >&2;; esac\n"
        "  exit 1\nfi\n"
        "echo 'Docker version 28.5.1'\n"
    )
    (bin_dir / "docker").chmod(0o755)
    return os.pathsep.join([str(bin_dir), without_docker_path(tmp_path)])


@pytest.mark.parametrize(
    "missing", ["no-docker", "no-compose-plugin", "real-docker-cli-no-plugin"]
)
@pytest.mark.parametrize("target", ["integration-test", "integration-services-down"])
def test_without_docker_or_compose_v2_one_message_gives_the_alternatives(
    missing: str, target: str, tmp_path: Path
) -> None:
    project = render(tmp_path / "demo-app")
    if missing == "no-docker":
        path, reason = (
            without_docker_path(tmp_path),
            "there is no `docker` command on PATH",
        )
    elif missing == "no-compose-plugin":
        path = fake_docker_without_compose(tmp_path)
        reason = "`docker compose version` fails: Docker is there but not its compose v2 plugin"
    else:
        real = shutil.which("docker")
        if (
            real is None
            or subprocess.run(
                [real, "compose", "version"], capture_output=True, check=False
            ).returncode
            == 0
        ):
            pytest.skip("needs a docker CLI without the compose plugin on PATH")
        real_bin = tmp_path / "real-docker-bin"
        real_bin.mkdir()
        (real_bin / "docker").symlink_to(real)
        path = os.pathsep.join([str(real_bin), without_docker_path(tmp_path)])
        reason = "`docker compose version` fails: Docker is there but not its compose v2 plugin"

    result = make(project, target, env={"PATH": path})

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert output.count("integration-harness:") == 1, output
    assert f"integration-harness: cannot start the test services: {reason}." in output
    assert "https://docs.docker.com/compose/install/" in output
    assert (
        "`make integration-test-external`" in output
        and "Running without Docker" in output
    )
    assert (
        "unknown shorthand flag" not in output
        and "No such file or directory" not in output
    )
    assert "passed" not in output and "installing test" not in output


@pytest.mark.parametrize(
    "answers", covering("python") + covering("typescript"), ids=combination_id
)
def test_readme_says_what_each_local_server_needs_as_the_catalogue_says(
    answers: dict, tmp_path: Path
) -> None:
    """Projects that together use every service in each language (what a local server
    of one service needs beyond that is its own test, services/<name>/test_<name>.py)."""
    from urllib.parse import unquote, urlsplit

    project = render(tmp_path / "demo-app", **answers)
    rows = local_server_rows(project)

    services = services_for(answers)
    assert set(rows) == {CATALOGUE[n]["title"] for n in services}
    for name in services:
        entry = CATALOGUE[name]
        row = rows[entry["title"]]
        ports = [entry, *entry.get("also", [])]
        needs = entry["local_server"]
        for port in ports:
            assert f"{port['host_port']} (`{port['port_var']}`)" in row
            needs = needs.replace("${" + port["port_var"] + "}", str(port["host_port"]))
        assert row.endswith(f"| {needs} |") and "${" not in row
        url = urlsplit(entry["url"].replace("${" + entry["port_var"] + "}", "1"))
        if url.username:
            assert (
                f"user `{unquote(url.username)}`, password `{unquote(url.password)}`"
                in row
            )
        if entry.get("url_path"):
            assert f"{entry['url_path']} `{unquote(url.path.lstrip('/'))}`" in row


def free_port() -> int:
    """A port in 26000-26999 nothing listens on (the native servers use 25xxx)."""
    import socket

    for port in range(26000 + os.getpid() % 500, 27000):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 26000-26999")


def test_a_port_set_in_env_test_local_reaches_compose_and_the_suite_and_lets_a_second_checkout_run(
    docker: dict[str, str], shared_venv: dict[str, str], tmp_path: Path
) -> None:
    port = free_port()
    first = render(
        tmp_path / "one" / "demo-app", cache="redis", database="none", queue="none"
    )
    second = tmp_path / "two" / "demo-app"
    shutil.copytree(first, second)
    (first / ".env.test.local").write_text(f"TEST_REDIS_PORT={port}\n")
    # The stand-in starts its own Redis on that port: keep its pid and log files
    # away from the shared servers' state directory.
    env = {**docker, **shared_venv, "NATIVE_STATE_DIR": str(tmp_path / "native")}
    try:
        kept = make(first, "integration-test", "KEEP=1", env=env)
        output = kept.stdout + kept.stderr
        assert kept.returncode == 0, output[-3000:]
        assert re.search(
            rf"Redis [\d.]+ at redis://127\.0\.0\.1:{port}/0 ready", output
        ), output[-3000:]
        assert port_open(port)
        ups = compose_calls(docker, "up")
        assert (
            ups[0][ups[0].index("--env-file", ups[0].index("--env-file") + 1) + 1]
            == ".env.test.local"
        )

        alongside = run_until_not_busy(second, "integration-test", env)
        output = alongside.stdout + alongside.stderr
        assert alongside.returncode == 0, output[-3000:]
        assert (
            "Redis" in output
            and f":{port}/" not in output
            and ":25379/0 ready" in output
        )
        names = [project_name(c) for c in compose_calls(docker, "up")]
        assert names == [
            f"demo-app-test-{checkout_hash(first)}",
            f"demo-app-test-{checkout_hash(second)}",
        ]
        assert [project_name(c) for c in compose_calls(docker, "down")] == names[1:]
    finally:
        make(first, "integration-services-down", env=env)
        subprocess.run(
            ["redis-cli", "-p", str(port), "shutdown", "nosave"],
            capture_output=True,
            check=False,
        )
    assert not port_open(port)


def test_a_broken_env_test_stops_before_up_with_composes_own_message(
    docker: dict[str, str], tmp_path: Path
) -> None:
    project = render(tmp_path / "demo-app")
    env_test = project / ".env.test"
    env_test.write_text(
        "".join(
            f"{line}\n"
            for line in env_test.read_text().splitlines()
            if not line.startswith("TEST_REDIS_PORT=")
        )
    )

    result = make(project, "integration-test", env=docker)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert output.count("required variable TEST_REDIS_PORT is missing a value") == 1, (
        output
    )
    assert compose_calls(docker, "up") == [] and "passed" not in output
