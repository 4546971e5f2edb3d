// Managed by integration-harness: `copier update` rewrites this file.

package harness

// MongoDB helpers: MongoDBURL, MongoDB, MongoClient.
//
// Isolation: each test binary (a package) has a database of its own,
// <database>_go_<hash of the package folder>, dropped when the binary starts (what
// a killed run left goes) and when it ends. MongoDB(t) hands a test that database;
// after the test every collection holding documents is emptied (DeleteMany), the
// collections and their indexes kept (the unique indexes your code creates once
// stay in force, and emptying is cheaper than dropping). Tests that use MongoDB
// run one at a time within a binary, even under t.Parallel, since emptying after
// one test would remove a parallel test's documents.
//
// The guard is the SQL databases' rule: every host of the URL must be loopback,
// a compose service of this project or listed in TEST_ALLOWED_HOSTS, and the
// database the URL names must have "test" as a whole word of its name.
// mongodb+srv:// URLs are refused: their hosts are only known from DNS.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var (
	mongodbTitle  = catalogueTitle("mongodb")
	mongodbURLVar = catalogueURLVar("mongodb")
)

// Server error codes that retrying will not fix (unauthorized, authentication failed).
var mongodbPermanent = map[int32]bool{13: true, 18: true}

var mongodbURLPattern = regexp.MustCompile(`^mongodb://(?:[^@/?#]*@)?([^/?#]*)(/[^?#]*)?(?:\?[^#]*)?$`)

func init() {
	register("mongodb", module{guard: mongodbGuard, probe: mongodbProbe, preflight: mongodbPreflight, release: mongodbRelease})
}

// MongoDBTarget is where a MongoDB URL points: its hosts and the database it names.
type MongoDBTarget struct {
	Hosts []string
	// Database is the database the URL names; "" when it names none.
	Database string
}

// MongoDBTargetOf reads url as the driver will, or fails naming the problem.
func MongoDBTargetOf(raw string) (MongoDBTarget, error) {
	match := mongodbURLPattern.FindStringSubmatch(raw)
	if match == nil {
		return MongoDBTarget{}, fmt.Errorf("%s must start with mongodb:// (a mongodb+srv:// URL's hosts are only "+
			"known from DNS; name them), not %s", mongodbURLVar, Redact(raw))
	}
	var target MongoDBTarget
	for _, host := range strings.Split(match[1], ",") {
		host, err := url.PathUnescape(strings.TrimSpace(host))
		if err != nil {
			return MongoDBTarget{}, fmt.Errorf("%s: %s is not a host", mongodbURLVar, Redact(host))
		}
		if strings.HasPrefix(host, "[") {
			host = host[1:max(strings.Index(host, "]"), 1)]
		} else if i := strings.LastIndex(host, ":"); i >= 0 {
			host = host[:i]
		}
		if host != "" {
			target.Hosts = append(target.Hosts, host)
		}
	}
	database, err := url.PathUnescape(strings.TrimPrefix(match[2], "/"))
	if err != nil {
		return MongoDBTarget{}, fmt.Errorf("%s: the database name is not valid", mongodbURLVar)
	}
	target.Database = database
	return target, nil
}

func mongodbGuard(raw string, settings *Settings) error {
	target, err := MongoDBTargetOf(raw)
	if err != nil {
		return err
	}
	if err := EnsureDisposable(mongodbTitle, raw, target.Hosts, settings.AllowedHosts()); err != nil {
		return err
	}
	return EnsureTestDatabase(mongodbTitle, raw, target.Database)
}

func mongodbConnect(ctx context.Context, raw string) (*mongo.Client, error) {
	timeout := runTimeout()
	if deadline, ok := ctx.Deadline(); ok {
		timeout = time.Until(deadline)
	}
	return mongo.Connect(options.Client().ApplyURI(raw).SetServerSelectionTimeout(timeout).SetConnectTimeout(timeout))
}

func mongodbProbe(ctx context.Context, raw string) (string, error) {
	client, err := mongodbConnect(ctx, raw)
	if err != nil {
		return "", &Misconfigured{err} // options the driver refuses
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	var info bson.M
	err = client.Database("admin").RunCommand(ctx, bson.M{"buildInfo": 1}).Decode(&info)
	if err != nil {
		var command mongo.CommandError
		if errors.As(err, &command) && mongodbPermanent[command.Code] {
			return "", &Misconfigured{err}
		}
		return "", err
	}
	product := ""
	if _, ok := info["ferretdbVersion"]; ok {
		product = " (FerretDB)"
	}
	return fmt.Sprintf("%s %v%s", mongodbTitle, info["version"], product), nil
}

var mongodbRun struct {
	sync.Mutex
	client  *mongo.Client
	ownURL  string
	ownName string
	clean   sync.Mutex // held by each test that uses MongoDB, until it is emptied
}

// mongodbOwnName is <database>_go_<8 hex digits of this package's folder>.
func mongodbOwnName(database string) string {
	folder, _ := os.Getwd()
	sum := sha256.Sum256([]byte(folder))
	return fmt.Sprintf("%s_go_%s", database, hex.EncodeToString(sum[:4]))
}

func mongodbWithDatabase(raw, name string) string {
	match := mongodbURLPattern.FindStringSubmatchIndex(raw)
	start, end := match[3], match[3] // after the hosts
	if match[4] >= 0 {
		end = match[5]
	}
	return raw[:start] + "/" + url.PathEscape(name) + raw[end:]
}

// mongodbPreflight drops this binary's own database (a killed run's) and connects to it.
func mongodbPreflight(ctx context.Context, raw string, settings *Settings, _ RunContext) error {
	target, err := MongoDBTargetOf(raw)
	if err != nil {
		return err
	}
	own := mongodbOwnName(target.Database)
	ownURL := mongodbWithDatabase(raw, own)
	if err := mongodbGuard(ownURL, settings); err != nil {
		return err
	}
	client, err := mongodbConnect(ctx, ownURL)
	if err != nil {
		return err
	}
	if err := client.Database(own).Drop(ctx); err != nil {
		_ = client.Disconnect(context.Background())
		return err
	}
	mongodbRun.Lock()
	defer mongodbRun.Unlock()
	mongodbRun.client, mongodbRun.ownURL, mongodbRun.ownName = client, ownURL, own
	return nil
}

func mongodbRelease() {
	mongodbRun.Lock()
	defer mongodbRun.Unlock()
	if mongodbRun.client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		_ = mongodbRun.client.Database(mongodbRun.ownName).Drop(ctx) // the next run drops it first if this fails
		_ = mongodbRun.client.Disconnect(ctx)
	}
	mongodbRun.client = nil
}

// EmptyCollections empties every collection of db that holds documents (indexes kept);
// the collections emptied.
func EmptyCollections(ctx context.Context, db *mongo.Database) ([]string, error) {
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	var emptied []string
	for _, name := range names {
		if strings.HasPrefix(name, "system.") {
			continue
		}
		collection := db.Collection(name)
		err := collection.FindOne(ctx, bson.D{}, options.FindOne().SetProjection(bson.M{"_id": 1})).Err()
		if errors.Is(err, mongo.ErrNoDocuments) {
			continue
		}
		if err != nil {
			return emptied, err
		}
		if _, err := collection.DeleteMany(ctx, bson.D{}); err != nil {
			return emptied, err
		}
		emptied = append(emptied, name)
	}
	return emptied, nil
}

func mongodbReady(t testingTB) *mongo.Client {
	t.Helper()
	skipIfStopped(t, mongodbTitle)
	mongodbRun.Lock()
	client := mongodbRun.client
	mongodbRun.Unlock()
	if client == nil {
		t.Fatal("integration-harness: MongoDB is not prepared: call harness.Main from TestMain " +
			"(func TestMain(m *testing.M) { os.Exit(harness.Main(m)) })")
	}
	return client
}

// MongoDBURL is the URL of this test binary's own disposable database (give it to code under test).
func MongoDBURL(t testingTB) string {
	t.Helper()
	mongodbReady(t)
	return mongodbRun.ownURL
}

// MongoClient is the binary's client on its own database (for code that takes a client).
// Pair it with MongoDB for the isolation.
func MongoClient(t testingTB) *mongo.Client {
	t.Helper()
	return mongodbReady(t)
}

// MongoDB is this binary's own database; every collection with documents is emptied after
// the test (indexes kept). Tests that use it run one at a time within the binary.
func MongoDB(t testingTB) *mongo.Database {
	t.Helper()
	client := mongodbReady(t)
	mongodbRun.clean.Lock()
	db := client.Database(mongodbRun.ownName)
	t.Cleanup(func() {
		defer mongodbRun.clean.Unlock()
		if StoppedReason(mongodbTitle) != "" {
			return
		}
		if err := mongodbGuard(mongodbRun.ownURL, settingsFor(t)); err != nil {
			t.Error(err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout()+30*time.Second)
		defer cancel()
		if _, err := EmptyCollections(ctx, db); err != nil {
			failStopped(t, mongodbTitle, mongodbRun.ownURL, err)
		}
	})
	return db
}
