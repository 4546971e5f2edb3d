// Managed by integration-harness: `copier update` rewrites this file.

package harness

// Bounded readiness: wait for every service at once, then report or stop the run.
//
// Each service module registers a probe that connects with the real driver and
// returns a short description of the server. A *Misconfigured error (wrong
// password, unknown database) is final; anything else may pass (refused
// connection, server starting) and is retried until the deadline. Every probe
// runs under a context that ends at the deadline, so a server that accepts TCP
// and never answers stops the run within TEST_SERVICE_TIMEOUT.
//
// During the run, a service that stops answering is recorded once (markStopped);
// later tests that need it are skipped at once instead of each waiting for it.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

const retryInterval = 250 * time.Millisecond

// Misconfigured is a service that answers but refuses us: retrying will not help.
type Misconfigured struct{ Err error }

func (e *Misconfigured) Error() string { return e.Err.Error() }
func (e *Misconfigured) Unwrap() error { return e.Err }

// Probe connects once to url and describes the server ("PostgreSQL 17.6"),
// or fails (with *Misconfigured when retrying cannot help).
type Probe func(ctx context.Context, url string) (string, error)

// RunContext is what Main knows about this run.
type RunContext struct {
	// Parallel is the most tests of this binary that run at once (go test -parallel).
	Parallel int
}

// module is what Main needs of a service's harness module (each registers itself).
type module struct {
	guard     func(url string, settings *Settings) error
	probe     Probe
	preflight func(ctx context.Context, url string, settings *Settings, run RunContext) error
	release   func()
}

var modules = map[string]module{}

func register(name string, m module) { modules[name] = m }

// Readiness is how one service answered the readiness check.
type Readiness struct {
	Title   string
	URL     string
	Elapsed time.Duration
	Server  string
	Problem string
}

// WaitFor probes url until it answers, fails for good, or timeout has passed.
func WaitFor(title, url string, probe Probe, timeout time.Duration) Readiness {
	started := time.Now()
	deadline := started.Add(timeout)
	result := Readiness{Title: title, URL: Redact(url)}
	for {
		remaining := time.Until(deadline)
		if remaining < 100*time.Millisecond {
			remaining = 100 * time.Millisecond
		}
		ctx, cancel := context.WithTimeout(context.Background(), min(remaining, 5*time.Second))
		server, err := probe(ctx, url)
		cancel()
		result.Elapsed = time.Since(started)
		if err == nil {
			result.Server = server
			return result
		}
		var final *Misconfigured
		if errors.As(err, &final) {
			result.Problem = Redact(err.Error())
			return result
		}
		if time.Now().Add(retryInterval).After(deadline) {
			result.Problem = Redact(fmt.Sprintf("no answer within %gs (%v)", timeout.Seconds(), err))
			return result
		}
		time.Sleep(retryInterval)
	}
}

var stopped sync.Map // title -> message

// markStopped records that title stopped answering; later tests that need it are skipped.
func markStopped(title, message string) { stopped.LoadOrStore(title, Redact(message)) }

// StoppedReason is why title stopped answering earlier in this run, or "".
func StoppedReason(title string) string {
	if message, ok := stopped.Load(title); ok {
		return message.(string)
	}
	return ""
}

// skipIfStopped skips t when title stopped answering earlier in this run (the test that found it said so).
func skipIfStopped(t testingTB, title string) {
	if reason := StoppedReason(title); reason != "" {
		t.Skip(reason)
	}
}

// failStopped records that title stopped answering and fails t with one line naming it.
func failStopped(t testingTB, title, url string, err error) {
	message := fmt.Sprintf("%s at %s stopped answering (%v); the remaining tests that use it are skipped",
		title, Redact(url), err)
	markStopped(title, message)
	t.Fatal(Redact(message))
}
