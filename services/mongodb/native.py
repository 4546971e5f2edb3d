"""FerretDB (a MongoDB wire-protocol server) with its SQLite backend, on the catalogue's port.

No MongoDB server can be installed here; FerretDB v1.24.2 comes from the Go module proxy.
Its own `cmd/ferretdb` refuses to start when built outside its repository (the module
lacks the generated build/version/version.txt), so a throwaway module under the cache
dir holds a small program around FerretDB's embeddable package (`ferretdb.New`), built
once with `go install`. The data dir is emptied at every start, as the compose service
keeps its data on tmpfs.
"""

from __future__ import annotations

import os

from native.common import (
    CACHE_DIR,
    STATE_DIR,
    NativeService,
    ensure_running,
    require,
    run,
    spawn,
    start_empty,
)

VERSION = "v1.24.2"
MODULE = f"github.com/FerretDB/FerretDB/ferretdb@{VERSION}"
BUILD_DIR = CACHE_DIR / f"ferretdb-{VERSION}"
BINARY = BUILD_DIR / "bin" / "ferretdb-native"

MAIN_GO = """\
// A FerretDB server from its embeddable package, for the template's native tests.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	handler := flag.String("handler", "sqlite", "backend: sqlite or postgresql")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite directory URI")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	server, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   *handler,
		SQLiteURL: *sqliteURL,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := server.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
"""


def _build() -> None:
    source = BUILD_DIR / "src"
    source.mkdir(parents=True, exist_ok=True)
    print(f"native: building FerretDB {VERSION} with go install", flush=True)
    env = {**os.environ, "GOBIN": str(BINARY.parent), "GOFLAGS": "-mod=mod"}
    go = require("go")
    (source / "main.go").write_text(MAIN_GO)
    if not (source / "go.mod").exists():
        run(go, "mod", "init", "ferretdb-native", cwd=source, env=env)
    run(go, "get", MODULE, cwd=source, env=env)
    run(go, "install", ".", cwd=source, env=env)


def _launch(service: NativeService) -> None:
    if not BINARY.exists():
        _build()
    data = start_empty(STATE_DIR / "ferretdb")
    spawn(
        [
            str(BINARY),
            "-listen-addr",
            f"127.0.0.1:{service.port}",
            "-handler",
            "sqlite",
            "-sqlite-url",
            f"file:{data}/",
        ],
        "ferretdb.log",
    )


def start(service: NativeService) -> None:
    ensure_running(service, (), lambda: _launch(service))


def stop(service: NativeService) -> None:
    run("pkill", "-f", f"{BINARY} -listen-addr 127.0.0.1:{service.port}", check=False)
