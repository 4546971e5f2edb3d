"""A stand-in `docker` for machines without a Docker engine (the template's CI).

It implements what integration.mk calls, with docker compose v2's arguments:

    docker version | docker compose version
    docker compose [-p NAME] [-f FILE]... [--env-file FILE]... SUBCOMMAND
        config [--format json|yaml]    the project resolved by compose-go
        up -d --wait [--wait-timeout N]
        port SERVICE PORT | ps | ls | down [--volumes] [--remove-orphans]
    docker ps --format TEMPLATE        {{.Label "..."}}, {{.Ports}}, {{.Names}}

The compose files are loaded by the real compose-go loader (tests/composeload),
with the same precedence as docker compose (environment, then the env files).
`up` starts the NATIVE server of each service (`python -m native start NAME`) on
the host port the file publishes; a server already answering is left as it is.
The native servers are shared, so `down` never stops them: it forgets the
project. Every call is appended to $STANDIN_DOCKER_STATE/calls.jsonl and the
running projects are kept in $STANDIN_DOCKER_STATE/projects.json.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))

from native.common import load_catalogue

STATE = Path(os.environ["STANDIN_DOCKER_STATE"])
LOADER = os.environ["STANDIN_COMPOSE_LOADER"]
VERSION = "Docker Compose version v2.40.3 (integration-harness stand-in)"


def fail(message: str, status: int = 1) -> None:
    print(message, file=sys.stderr)
    sys.exit(status)


def projects() -> dict[str, Any]:
    path = STATE / "projects.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save(running: dict[str, Any]) -> None:
    (STATE / "projects.json").write_text(json.dumps(running, indent=1))


def take(args: list[str], *flags: str) -> list[str]:
    """Remove every `FLAG VALUE` / `FLAG=VALUE` of `flags` from args; the values."""
    values = []
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if name in flags and eq:
            values.append(value)
            del args[i]
        elif arg in flags:
            if i + 1 == len(args):
                fail(f"flag needs an argument: {arg}")
            values.append(args[i + 1])
            del args[i : i + 2]
        else:
            i += 1
    return values


def load(files: list[str], env_files: list[str], name: str, fmt: str = "json"):
    command = [LOADER, "-os-env", "-format", fmt]
    for env_file in env_files:
        command += ["-env-file", env_file]
    if name:
        command += ["-p", name]
    result = subprocess.run(
        [*command, *(files or ["compose.yaml"])],
        text=True,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        fail(result.stderr.strip())
    return result.stdout


def published(service: dict[str, Any]) -> list[tuple[int, int]]:
    """(host port, container port) pairs a loaded service publishes."""
    return [
        (int(port["published"]), int(port["target"]))
        for port in service.get("ports", [])
        if port.get("published")
    ]


def start_natives(project: dict[str, Any]) -> None:
    catalogue = load_catalogue()
    by_host = {entry["compose_host"]: name for name, entry in catalogue.items()}
    for service_name, service in project["services"].items():
        name = by_host.get(service_name)
        if name is None:
            fail(f"stand-in: no native server for compose service {service_name!r}")
        entry = catalogue[name]
        env = dict(os.environ)
        for host_port, target in published(service):
            for port in [entry, *entry.get("also", [])]:
                if port["container_port"] == target:
                    env[port["port_var"]] = str(host_port)
        result = subprocess.run(
            [sys.executable, "-m", "native", "start", name],
            cwd=ROOT,
            env=env,
            text=True,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            fail(f"stand-in: native {name} did not start:\n{result.stderr}")
        print(
            f" Container {project['name']}-{service_name}-1  Healthy", file=sys.stderr
        )


def compose(args: list[str]) -> None:
    names = take(args, "-p", "--project-name")
    files = take(args, "-f", "--file")
    env_files = take(args, "--env-file")
    if not args:
        fail("stand-in: docker compose needs a command")
    command, rest = args[0], args[1:]
    if command == "version":
        print(VERSION)
        return
    running = projects()
    name = names[-1] if names else os.environ.get("COMPOSE_PROJECT_NAME", "")
    if command == "ls":
        rows = [
            {
                "Name": n,
                "Status": f"running({len(p['services'])})",
                "ConfigFiles": ",".join(p["config_files"]),
            }
            for n, p in running.items()
        ]
        print(
            json.dumps(rows) if "json" in rest else "\n".join(r["Name"] for r in rows)
        )
        return
    if command == "config":
        fmt = (take(rest, "--format") or ["yaml"])[-1]
        sys.stdout.write(load(files, env_files, name, fmt))
        return
    project = json.loads(load(files, env_files, name))
    name = project["name"]
    if command == "up":
        wait_timeout = take(rest, "--wait-timeout")
        if sorted(rest) != ["--wait", "-d"]:
            fail(
                f"stand-in: only `up -d --wait [--wait-timeout N]` is implemented, not {rest}"
            )
        if wait_timeout and not wait_timeout[0].isdigit():
            fail(f"invalid --wait-timeout {wait_timeout[0]!r}")
        start_natives(project)
        running[name] = {
            # As compose labels it: the directory of the first compose file.
            "working_dir": str(
                Path(files[0] if files else "compose.yaml").resolve().parent
            ),
            "config_files": [str(Path(f).resolve()) for f in files],
            "services": {s: published(v) for s, v in project["services"].items()},
        }
        save(running)
    elif command == "down":
        unknown = set(rest) - {"--volumes", "-v", "--remove-orphans"}
        if unknown:
            fail(f"stand-in: unknown flags for down: {sorted(unknown)}")
        running.pop(name, None)
        save(running)
    elif command == "port":
        if len(rest) != 2:
            fail("stand-in: docker compose port SERVICE PRIVATE_PORT")
        service = running.get(name, {}).get("services", {}).get(rest[0])
        if service is None:
            fail(f"no container found for {rest[0]}")
        for host_port, target in service:
            if target == int(rest[1]):
                print(f"127.0.0.1:{host_port}")
                return
        fail(f"no port {rest[1]} published for {rest[0]}")
    elif command == "ps":
        for service in running.get(name, {}).get("services", {}):
            print(f"{name}-{service}-1")
    else:
        fail(f"stand-in: docker compose {command} is not implemented")


def ps(args: list[str]) -> None:
    fmt = (take(args, "--format") or ["{{.Names}}"])[-1]
    for name, project in projects().items():
        for service, ports in project["services"].items():
            labels = {
                "com.docker.compose.project": name,
                "com.docker.compose.project.working_dir": project["working_dir"],
                "com.docker.compose.project.config_files": ",".join(
                    project["config_files"]
                ),
                "com.docker.compose.service": service,
            }
            fields = {
                "Names": f"{name}-{service}-1",
                "Ports": ", ".join(f"127.0.0.1:{h}->{t}/tcp" for h, t in ports),
            }

            def field(
                match: re.Match, labels: dict = labels, fields: dict = fields
            ) -> str:
                if match.group(1):
                    return labels.get(match.group(1), "")
                if match.group(2) not in fields:
                    fail(
                        f"stand-in: template field .{match.group(2)} is not implemented"
                    )
                return fields[match.group(2)]

            print(re.sub(r'\{\{\s*(?:\.Label\s+"([^"]+)"|\.(\w+))\s*\}\}', field, fmt))


def main() -> None:
    args = sys.argv[1:]
    STATE.mkdir(parents=True, exist_ok=True)
    with (STATE / "calls.jsonl").open("a") as calls:
        calls.write(json.dumps({"argv": args, "cwd": os.getcwd()}) + "\n")
    if not args:
        fail("stand-in: docker needs a command")
    if args[0] == "version":
        print("Docker version 28.5.1 (integration-harness stand-in)")
    elif args[0] == "compose":
        compose(args[1:])
    elif args[0] == "ps":
        ps(args[1:])
    else:
        fail(f"docker: '{args[0]}' is not implemented by the stand-in")


if __name__ == "__main__":
    main()
