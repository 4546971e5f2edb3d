// Managed by integration-harness: `copier update` rewrites this file.

package harness

// NATS JetStream helpers: NATSURL, NATSConnection, JetStream, MakeStream.
//
// Isolation: tests never share a stream. MakeStream creates a JetStream stream
// with a unique name (test-p<pid>-<purpose>-<stamp><random>) whose subjects are
// <name>.>, and deletes it after the test. Before the first test, streams with
// such names older than an hour (a killed run's) are deleted.

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	natsTitle  = catalogueTitle("nats")
	natsURLVar = catalogueURLVar("nats")
)

var natsRefusal = regexp.MustCompile(`(?i)authorization|jetstream not enabled|503`)

func init() {
	register("nats", module{guard: natsGuard, probe: natsProbe, preflight: natsPreflight, release: natsRelease})
}

func natsGuard(raw string, settings *Settings) error {
	var hosts []string
	for _, server := range strings.Split(raw, ",") {
		if server = strings.TrimSpace(server); server == "" {
			continue
		}
		if !strings.Contains(server, "://") {
			server = "nats://" + server
		}
		parsed, err := url.Parse(server)
		if err != nil {
			return fmt.Errorf("%s: %s is not a nats:// URL", natsURLVar, Redact(server))
		}
		hosts = append(hosts, parsed.Hostname())
	}
	return EnsureDisposable(natsTitle, raw, hosts, settings.AllowedHosts())
}

func natsConnect(ctx context.Context, raw string) (*nats.Conn, error) {
	timeout := runTimeout()
	if deadline, ok := ctx.Deadline(); ok {
		timeout = time.Until(deadline)
	}
	return nats.Connect(raw, nats.Timeout(timeout), nats.NoReconnect(), nats.Name("integration-harness"))
}

func natsProbe(ctx context.Context, raw string) (string, error) {
	nc, err := natsConnect(ctx, raw)
	if err == nil {
		defer nc.Close()
		var js jetstream.JetStream
		if js, err = jetstream.New(nc); err == nil {
			if _, err = js.AccountInfo(ctx); err == nil {
				return fmt.Sprintf("%s %s (JetStream)", natsTitle, nc.ConnectedServerVersion()), nil
			}
		}
	}
	if natsRefusal.MatchString(err.Error()) {
		return "", &Misconfigured{err}
	}
	return "", err
}

// natsPreflight deletes the streams a killed run left (test names older than an hour).
func natsPreflight(ctx context.Context, raw string, _ *Settings, _ RunContext) error {
	nc, err := natsConnect(ctx, raw)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	names := js.StreamNames(ctx)
	var leftovers []string
	for name := range names.Name() {
		if IsLeftoverTestName(name, "-", time.Now()) {
			leftovers = append(leftovers, name)
		}
	}
	if err := names.Err(); err != nil {
		return err
	}
	for _, name := range leftovers {
		if err := js.DeleteStream(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

var natsRun struct {
	sync.Mutex
	conn *nats.Conn
}

func natsRelease() {
	natsRun.Lock()
	defer natsRun.Unlock()
	if natsRun.conn != nil {
		_ = natsRun.conn.Drain()
		natsRun.conn = nil
	}
}

// NATSURL is the URL of a ready NATS server with JetStream (TEST_NATS_URL).
func NATSURL(t testingTB) string {
	t.Helper()
	return serviceURL(t, "nats", natsURLVar)
}

// NATSConnection is a connected NATS client shared by this binary's tests, drained at the end.
func NATSConnection(t testingTB) *nats.Conn {
	t.Helper()
	skipIfStopped(t, natsTitle)
	raw := NATSURL(t)
	natsRun.Lock()
	defer natsRun.Unlock()
	if natsRun.conn == nil || natsRun.conn.IsClosed() {
		conn, err := nats.Connect(raw, nats.Timeout(runTimeout()), nats.Name("integration-harness tests"))
		if err != nil {
			markStopped(natsTitle, fmt.Sprintf("%s at %s stopped answering (%v)", natsTitle, Redact(raw), err))
			t.Fatalf("%s at %s does not answer: %v", natsTitle, Redact(raw), err)
		}
		natsRun.conn = conn
	}
	return natsRun.conn
}

// JetStream is a JetStream context on NATSConnection.
func JetStream(t testingTB) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(NATSConnection(t))
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// IsolatedStream is a JetStream stream of one test.
type IsolatedStream struct {
	Name string
}

// Subject is <name>.<parts joined by .>, a subject of the stream.
func (s IsolatedStream) Subject(parts ...string) string {
	return strings.Join(append([]string{s.Name}, parts...), ".")
}

// MakeStream creates a JetStream stream of this test's own (subjects <name>.>), deleted after the test.
func MakeStream(t testingTB, purpose string) IsolatedStream {
	t.Helper()
	js := JetStream(t)
	name := UniqueTestName("MakeStream", purpose, "-")
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := natsGuard(NATSURL(t), settingsFor(t)); err != nil {
			t.Error(err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		if err := js.DeleteStream(ctx, name); err != nil {
			t.Errorf("integration-harness: deleting stream %s after the test: %v", name, err)
		}
	})
	return IsolatedStream{Name: name}
}
