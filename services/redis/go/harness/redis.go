// Managed by integration-harness: `copier update` rewrites this file.

package harness

// Redis helpers: RedisURL, Redis, MakeRedisStream.
//
// Isolation: a test that calls Redis(t) (or RedisURL, MakeRedisStream) leases a
// logical database of its own for the test and empties it with FLUSHDB after
// the test, streams and consumer groups included. A binary has as many
// databases as tests it runs at once (go test -parallel), so parallel tests
// never share one.
//
// Before the first test Main claims them: from the index in TEST_REDIS_URL
// upwards, each index is claimed with a connection named
// integration-harness-claim-db<N>, open while the binary runs; it adds no key, and
// Redis drops it the moment the process ends, even when killed. An index another
// binary holds (another package of this run, or another run) is passed over, so
// two binaries never flush each other's keys. An index that already holds keys
// stops the run (they may not be ours), unless this checkout's own run was
// killed while using it: a run notes each index it uses in .harness-runs/ of
// the integration folder and removes the note when it ends, so a note found at
// the start names an index whose keys a killed run of this checkout left; it is
// emptied.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

var (
	redisTitle  = catalogueTitle("redis")
	redisURLVar = catalogueURLVar("redis")
)

func init() {
	register("redis", module{guard: redisGuard, probe: redisProbe, preflight: redisPreflight, release: redisRelease})
}

// ClaimConnectionName is the name of the connection a binary holds on each index it uses.
func ClaimConnectionName(index int) string {
	return fmt.Sprintf("integration-harness-claim-db%d", index)
}

// RedisOptions reads url as the client will use it (the one parse the guard, the claims and the client use).
func RedisOptions(raw string) (*redis.Options, error) {
	options, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("%s must be a redis:// URL (%s), not %s", redisURLVar, Redact(err.Error()), Redact(raw))
	}
	options.DisableIdentity = true
	options.MaxRetries = -1
	return options, nil
}

func redisHost(options *redis.Options) string {
	if options.Network == "unix" {
		return options.Addr
	}
	host, _, err := net.SplitHostPort(options.Addr)
	if err != nil {
		return options.Addr
	}
	return host
}

// RedisURLForIndex is url pointed at database index (in the path; any ?db= removed).
func RedisURLForIndex(raw string, index int) string {
	parsed, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	query := parsed.Query()
	query.Del("db")
	parsed.RawQuery = query.Encode()
	if parsed.Scheme != "unix" {
		parsed.Path = "/" + strconv.Itoa(index)
	} else {
		query.Set("db", strconv.Itoa(index))
		parsed.RawQuery = query.Encode()
	}
	return parsed.String()
}

func redisGuard(raw string, settings *Settings) error {
	options, err := RedisOptions(raw)
	if err != nil {
		return err
	}
	return EnsureDisposable(redisTitle, raw, []string{redisHost(options)}, settings.AllowedHosts())
}

var redisVersion = regexp.MustCompile(`redis_version:([\d.]+)`)
var redisRefusal = regexp.MustCompile(`(?i)NOAUTH|WRONGPASS|invalid DB index|DB index is out of range`)

func redisProbe(ctx context.Context, raw string) (string, error) {
	options, err := RedisOptions(raw)
	if err != nil {
		return "", &Misconfigured{err}
	}
	client := redis.NewClient(options)
	defer client.Close()
	info, err := client.Info(ctx, "server").Result()
	if err != nil {
		if redisRefusal.MatchString(err.Error()) {
			return "", &Misconfigured{err}
		}
		return "", err
	}
	version := ""
	if match := redisVersion.FindStringSubmatch(info); match != nil {
		version = " " + match[1]
	}
	return redisTitle + version, nil
}

type redisClaim struct {
	index  int
	client *redis.Client // the tests' client on this database
	holder *redis.Client // holds conn, the claim
	conn   *redis.Conn
	note   string
}

var redisRun struct {
	sync.Mutex
	url    string
	claims []*redisClaim
	free   chan *redisClaim
	leases sync.Map // testing.TB -> *redisClaim
}

func (c *redisClaim) close() {
	_ = c.client.Close()
	_ = c.conn.Close()
	_ = c.holder.Close()
}

// redisNote is the note saying this checkout's run uses database index of the server (left only by a killed run).
func redisNote(options *redis.Options, index int) string {
	sum := sha256.Sum256([]byte(options.Network + ":" + options.Addr))
	return filepath.Join(IntegrationDir(), ".harness-runs", fmt.Sprintf("redis-%s-db%d", hex.EncodeToString(sum[:8]), index))
}

// takeClaim names conn for index; false when an older connection (another binary) has the name.
func takeClaim(ctx context.Context, conn *redis.Conn, index int) (bool, error) {
	name := ClaimConnectionName(index)
	if err := conn.ClientSetName(ctx, name).Err(); err != nil {
		return false, err
	}
	mine, err := conn.ClientID(ctx).Result()
	if err != nil {
		return false, err
	}
	list, err := conn.ClientList(ctx).Result()
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(list, "\n") {
		fields := strings.Fields(line)
		named, id := false, int64(-1)
		for _, field := range fields {
			if field == "name="+name {
				named = true
			}
			if value, ok := strings.CutPrefix(field, "id="); ok {
				id, _ = strconv.ParseInt(value, 10, 64)
			}
		}
		if named && id >= 0 && id < mine {
			return false, nil
		}
	}
	return true, nil
}

func redisPreflight(ctx context.Context, raw string, _ *Settings, run RunContext) error {
	options, err := RedisOptions(raw)
	if err != nil {
		return err
	}
	base := options.DB
	wanted := max(run.Parallel, 1)
	var claims []*redisClaim
	fail := func(err error) error {
		for _, claim := range claims {
			claim.close()
		}
		return err
	}
	for index := base; len(claims) < wanted; index++ {
		own := *options
		own.DB = index
		held := own
		held.PoolSize = 1
		holder := redis.NewClient(&held)
		conn := holder.Conn()
		if err := conn.Ping(ctx).Err(); err != nil {
			_ = conn.Close()
			_ = holder.Close()
			return fail(&UnsafeTarget{fmt.Sprintf("%s at %s has no database %d for %d tests at once (%v). "+
				"Lower the index in %s or run fewer at once (PARALLEL=%d).",
				redisTitle, Redact(raw), index, wanted, err, redisURLVar, max(len(claims), 1))})
		}
		mine, err := takeClaim(ctx, conn, index)
		if err != nil || !mine {
			_ = conn.Close()
			_ = holder.Close()
			if err != nil {
				return fail(err)
			}
			continue // another binary holds it
		}
		claim := &redisClaim{index: index, client: redis.NewClient(&own), holder: holder, conn: conn, note: redisNote(options, index)}
		claims = append(claims, claim)
		keys, err := conn.DBSize(ctx).Result()
		if err != nil {
			return fail(err)
		}
		if _, noted := os.Stat(claim.note); noted == nil && keys > 0 {
			if err := conn.FlushDB(ctx).Err(); err != nil { // keys a killed run of this checkout left
				return fail(err)
			}
			keys = 0
		}
		if keys > 0 {
			return fail(&UnsafeTarget{fmt.Sprintf("Refusing to flush %s at %s: database %d already holds "+
				"%d keys the harness did not create. Point %s at an empty database index, or if they are "+
				"yours to lose, empty it: redis-cli -u %s flushdb",
				redisTitle, Redact(raw), index, keys, redisURLVar, Redact(RedisURLForIndex(raw, index)))})
		}
		_ = os.MkdirAll(filepath.Dir(claim.note), 0o755)
		if err := os.WriteFile(claim.note, []byte(Redact(RedisURLForIndex(raw, index))+"\n"), 0o644); err != nil {
			return fail(err)
		}
	}
	redisRun.Lock()
	defer redisRun.Unlock()
	redisRun.url = raw
	redisRun.claims = claims
	redisRun.free = make(chan *redisClaim, len(claims))
	for _, claim := range claims {
		redisRun.free <- claim
	}
	return nil
}

func redisRelease() {
	redisRun.Lock()
	defer redisRun.Unlock()
	for _, claim := range redisRun.claims {
		_ = os.Remove(claim.note)
		claim.close()
	}
	redisRun.claims = nil
}

// redisLease is the database this test uses, leased until the test ends and then flushed.
func redisLease(t testingTB) *redisClaim {
	t.Helper()
	skipIfStopped(t, redisTitle)
	if claim, ok := redisRun.leases.Load(t); ok {
		return claim.(*redisClaim)
	}
	redisRun.Lock()
	free := redisRun.free
	redisRun.Unlock()
	if free == nil {
		t.Fatal("integration-harness: Redis is not prepared: call harness.Main from TestMain " +
			"(func TestMain(m *testing.M) { os.Exit(harness.Main(m)) })")
	}
	claim := <-free
	redisRun.leases.Store(t, claim)
	t.Cleanup(func() {
		defer func() { redisRun.leases.Delete(t); free <- claim }()
		if StoppedReason(redisTitle) != "" {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		if err := claim.client.FlushDB(ctx).Err(); err != nil {
			var netErr net.Error
			if errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) {
				markStopped(redisTitle, fmt.Sprintf("%s at %s stopped answering (%v)", redisTitle, Redact(redisRun.url), err))
			}
			t.Errorf("integration-harness: FLUSHDB after the test: %v", err)
		}
	})
	return claim
}

// RedisURL is the URL of this test's own logical database (emptied after the test).
func RedisURL(t testingTB) string {
	t.Helper()
	claim := redisLease(t)
	return RedisURLForIndex(redisRun.url, claim.index)
}

// Redis is a client on this test's own logical database, flushed after the test.
func Redis(t testingTB) *redis.Client {
	t.Helper()
	return redisLease(t).client
}

// MakeRedisStream is a unique stream name (test:p<pid>:<purpose>:<stamp><random>) on this
// test's database, removed with the flush after the test.
func MakeRedisStream(t testingTB, purpose string) string {
	t.Helper()
	redisLease(t)
	return UniqueTestName("MakeRedisStream", purpose, ":")
}
