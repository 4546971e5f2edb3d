// Managed by integration-harness: `copier update` rewrites this file.

package harness

// PostgreSQL helpers: DatabaseURL, DB, CleanDB, PostgresPool.
//
// Isolation: DB(t) wraps the test in a transaction rolled back after it (about a
// millisecond, nothing to clean); CleanDB(t) is for code under test that commits
// on its own connections: every table with rows is emptied before and after the
// test. Each test binary (a package) has a database of its own,
// <database>_go_<hash of the package folder>, dropped and created again from
// schema/*.sql when the binary starts and dropped when it ends, so a changed
// schema file or a killed run never carries over. The binary holds an advisory
// lock named after that database while it runs (the run lock): a second run of
// the same package against the same server stops instead of dropping it.
//
// The guard judges what pgx itself will connect to (the URL as pgx reads it,
// PG* environment included); a URL that names no database is refused, and the
// server is asked current_database() before anything is cleaned. Every session
// has statement_timeout 30 s and lock_timeout 10 s. Tests that use DB may run in
// parallel (t.Parallel); a test that uses CleanDB runs alone among them.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

var (
	postgresTitle  = catalogueTitle("postgres")
	postgresURLVar = catalogueURLVar("postgres")
)

var postgresPermanent = map[string]bool{"28P01": true, "28000": true, "3D000": true, "42501": true}

func init() {
	register("postgres", module{guard: postgresGuard, probe: postgresProbe, preflight: postgresPreflight, release: postgresRelease})
}

// PostgresTarget is what pgx will connect to for a URL.
type PostgresTarget struct {
	Hosts []string
	// Database is the database pgx will use; "" when the URL names none.
	Database string
}

// PostgresTargetOf reads url as pgx does, or fails naming the problem.
func PostgresTargetOf(raw string) (PostgresTarget, error) {
	parsed, err := url.Parse(raw)
	if err != nil || (parsed.Scheme != "postgresql" && parsed.Scheme != "postgres") {
		return PostgresTarget{}, fmt.Errorf("%s must be a postgresql:// URL, not %s", postgresURLVar, Redact(raw))
	}
	if parsed.Query().Has("service") {
		return PostgresTarget{}, fmt.Errorf("%s uses a pg_service entry; name the host and database explicitly", postgresURLVar)
	}
	config, err := pgx.ParseConfig(raw)
	if err != nil {
		return PostgresTarget{}, fmt.Errorf("%s: %s", postgresURLVar, Redact(err.Error()))
	}
	target := PostgresTarget{Hosts: []string{config.Host}}
	for _, fallback := range config.Fallbacks {
		target.Hosts = append(target.Hosts, fallback.Host)
	}
	// libpq connects to hostaddr instead of resolving host: judge it too.
	target.Hosts = append(target.Hosts, parsed.Query()["hostaddr"]...)
	if strings.TrimPrefix(parsed.Path, "/") != "" {
		target.Database = config.Database
	}
	return target, nil
}

func postgresGuard(raw string, settings *Settings) error {
	target, err := PostgresTargetOf(raw)
	if err != nil {
		return err
	}
	if err := EnsureDisposable(postgresTitle, raw, target.Hosts, settings.AllowedHosts()); err != nil {
		return err
	}
	if err := EnsureTestDatabase(postgresTitle, raw, target.Database); err != nil {
		return err
	}
	if other := mustQuery(raw).Get("dbname"); other != "" {
		return EnsureTestDatabase(postgresTitle, raw, other)
	}
	return nil
}

func mustQuery(raw string) url.Values {
	parsed, err := url.Parse(raw)
	if err != nil {
		return url.Values{}
	}
	return parsed.Query()
}

func postgresConfig(raw string) (*pgx.ConnConfig, error) {
	config, err := pgx.ParseConfig(raw)
	if err != nil {
		return nil, err
	}
	config.RuntimeParams["statement_timeout"] = "30000"
	config.RuntimeParams["lock_timeout"] = "10000"
	return config, nil
}

func postgresConnect(ctx context.Context, raw string) (*pgx.Conn, error) {
	config, err := postgresConfig(raw)
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, config)
}

func postgresProbe(ctx context.Context, raw string) (string, error) {
	conn, err := postgresConnect(ctx, raw)
	if err == nil {
		defer conn.Close(context.Background())
		var version string
		if err = conn.QueryRow(ctx, "SHOW server_version").Scan(&version); err == nil {
			return postgresTitle + " " + strings.Fields(version)[0], nil
		}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && postgresPermanent[pgErr.Code] {
		return "", &Misconfigured{err}
	}
	return "", err
}

var postgresRun struct {
	sync.Mutex
	lock     *pgx.Conn // holds the run lock while the binary runs
	adminURL string    // the configured database, where the own one is created and dropped
	ownURL   string
	ownName  string
	pool     *pgxpool.Pool
	clean    sync.RWMutex // DB holds it shared, CleanDB alone
}

// ownDatabaseName is <database>_go_<8 hex digits of this package's folder>.
func ownDatabaseName(database string) string {
	folder, _ := os.Getwd()
	sum := sha256.Sum256([]byte(folder))
	return fmt.Sprintf("%s_go_%s", database, hex.EncodeToString(sum[:4]))
}

func withDatabase(raw, name string) string {
	parsed, _ := url.Parse(raw)
	parsed.Path = "/" + name
	query := parsed.Query()
	if query.Has("dbname") {
		query.Set("dbname", name)
		parsed.RawQuery = query.Encode()
	}
	return parsed.String()
}

// serverDatabase asks the server which database conn really reached; refuses unless it is a test database.
func serverDatabase(ctx context.Context, conn interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, raw string) (string, error) {
	var name string
	if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
		return "", err
	}
	return name, EnsureTestDatabase(postgresTitle, raw, name)
}

func postgresPreflight(ctx context.Context, raw string, settings *Settings, _ RunContext) error {
	conn, err := postgresConnect(ctx, raw)
	if err != nil {
		return err
	}
	fail := func(err error) error { conn.Close(context.Background()); return err }
	database, err := serverDatabase(ctx, conn, raw)
	if err != nil {
		return fail(err)
	}
	own := ownDatabaseName(database)
	var locked bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock(hashtext($1))", "integration-harness:"+own).Scan(&locked); err != nil {
		return fail(err)
	}
	if !locked {
		return fail(&UnsafeTarget{fmt.Sprintf("Another test run is using %s database '%s' at %s right now. "+
			"Wait for it to finish, or give this run a database of its own in %s "+
			"('test' must be a whole word of its name).", postgresTitle, own, Redact(raw), postgresURLVar)})
	}
	identifier := pgx.Identifier{own}.Sanitize()
	for _, statement := range []string{"DROP DATABASE IF EXISTS " + identifier + " WITH (FORCE)", "CREATE DATABASE " + identifier} {
		if _, err := conn.Exec(ctx, statement); err != nil {
			return fail(err)
		}
	}
	ownURL := withDatabase(raw, own)
	if err := postgresBuildSchema(ctx, ownURL); err != nil {
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+identifier+" WITH (FORCE)")
		return fail(err)
	}
	config, err := pgxpool.ParseConfig(ownURL)
	if err != nil {
		return fail(err)
	}
	config.ConnConfig.RuntimeParams["statement_timeout"] = "30000"
	config.ConnConfig.RuntimeParams["lock_timeout"] = "10000"
	config.MaxConns = int32(max(runContext.Parallel+2, 4))
	pool, err := pgxpool.NewWithConfig(context.Background(), config)
	if err != nil {
		return fail(err)
	}
	postgresRun.Lock()
	defer postgresRun.Unlock()
	postgresRun.lock, postgresRun.adminURL, postgresRun.ownURL, postgresRun.ownName, postgresRun.pool = conn, raw, ownURL, own, pool
	return nil
}

func postgresRelease() {
	postgresRun.Lock()
	defer postgresRun.Unlock()
	if postgresRun.pool != nil {
		postgresRun.pool.Close()
	}
	if postgresRun.lock != nil {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		// The next run drops it first if this fails.
		_, _ = postgresRun.lock.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{postgresRun.ownName}.Sanitize()+" WITH (FORCE)")
		_ = postgresRun.lock.Close(ctx)
	}
	postgresRun.lock, postgresRun.pool = nil, nil
}

// sqlDialect names this database for the migration tools.
const sqlDialect = "postgres"

// postgresBuildSchema builds the new database: the migrations (migrations=goose), else schema/*.sql.
func postgresBuildSchema(ctx context.Context, ownURL string) error {
	if migrate == nil {
		if _, err := ApplySchemaFiles(ctx, ownURL, filepath.Join(IntegrationDir(), "schema")); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
		return nil
	}
	db, err := OpenSQL(ownURL)
	if err != nil {
		return err
	}
	defer db.Close()
	return migrate(ctx, sqlDialect, db)
}

// OpenSQL is a database/sql handle on databaseURL (pgx's stdlib driver, the session
// bounds set), for tools that take one (migrations). Close it when done.
func OpenSQL(databaseURL string) (*sql.DB, error) {
	config, err := postgresConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	return stdlib.OpenDB(*config), nil
}

// ScratchDatabaseURL creates an empty database of this test's own beside this binary's
// (<its name>_mig_<random>, guarded like it) and drops it when the test ends: for
// checking migrations from empty.
func ScratchDatabaseURL(t testingTB) string {
	t.Helper()
	postgresReady(t)
	postgresRun.Lock()
	ownURL, ownName := postgresRun.ownURL, postgresRun.ownName
	postgresRun.Unlock()
	random := make([]byte, 4)
	_, _ = rand.Read(random)
	name := ownName + "_mig_" + hex.EncodeToString(random)
	scratchURL := withDatabase(ownURL, name)
	if err := postgresGuard(scratchURL, settingsFor(t)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	conn, err := postgresConnect(ctx, ownURL)
	if err != nil {
		t.Fatalf("integration-harness: %s: %s", postgresTitle, Redact(err.Error()))
	}
	defer conn.Close(context.Background())
	identifier := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+identifier); err != nil {
		t.Fatalf("integration-harness: %s: %s", postgresTitle, Redact(err.Error()))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		conn, err := postgresConnect(ctx, ownURL)
		if err != nil {
			t.Errorf("integration-harness: could not drop %s: %s", name, Redact(err.Error()))
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+identifier+" WITH (FORCE)"); err != nil {
			t.Errorf("integration-harness: could not drop %s: %s", name, Redact(err.Error()))
		}
	})
	return scratchURL
}

// UserTables lists the tables of db other than the migration tools' own, sorted.
func UserTables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT c.relname FROM pg_class c "+
		"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "+
		"AND NOT c.relispartition AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		if !keptTables[name] {
			tables = append(tables, name)
		}
	}
	return tables, rows.Err()
}

// ApplySchemaFiles runs every *.sql file of folder in name order on databaseURL; the names run.
func ApplySchemaFiles(ctx context.Context, databaseURL, folder string) ([]string, error) {
	files, _ := filepath.Glob(filepath.Join(folder, "*.sql"))
	sort.Strings(files)
	if len(files) == 0 {
		return nil, nil
	}
	conn, err := postgresConnect(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	var names []string
	for _, file := range files {
		sql, err := os.ReadFile(file)
		if err != nil {
			return names, err
		}
		if _, err := conn.PgConn().Exec(ctx, string(sql)).ReadAll(); err != nil {
			return names, fmt.Errorf("%s: %w", filepath.Base(file), err)
		}
		names = append(names, filepath.Base(file))
	}
	return names, nil
}

// TruncateTablesWithRows empties every user table that has rows; the tables emptied.
func TruncateTablesWithRows(ctx context.Context, db interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}) ([]string, error) {
	rows, err := db.Query(ctx, "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c "+
		"JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "+
		"AND NOT c.relispartition AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'")
	if err != nil {
		return nil, err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	var dirty []string
	for _, table := range tables {
		if keptTables[table[strings.LastIndex(table, ".")+1:]] {
			continue
		}
		tag, err := db.Exec(ctx, "SELECT 1 FROM "+table+" LIMIT 1")
		if err != nil {
			return nil, err
		}
		if tag.RowsAffected() > 0 {
			dirty = append(dirty, table)
		}
	}
	if len(dirty) > 0 {
		if _, err := db.Exec(ctx, "TRUNCATE "+strings.Join(dirty, ", ")+" RESTART IDENTITY CASCADE"); err != nil {
			return nil, err
		}
	}
	return dirty, nil
}

func postgresReady(t testingTB) *pgxpool.Pool {
	t.Helper()
	skipIfStopped(t, postgresTitle)
	postgresRun.Lock()
	pool := postgresRun.pool
	postgresRun.Unlock()
	if pool == nil {
		t.Fatal("integration-harness: PostgreSQL is not prepared: call harness.Main from TestMain " +
			"(func TestMain(m *testing.M) { os.Exit(harness.Main(m)) })")
	}
	return pool
}

// DatabaseURL is the URL of this test binary's own disposable database, schema applied.
func DatabaseURL(t testingTB) string {
	t.Helper()
	postgresReady(t)
	return postgresRun.ownURL
}

// PostgresPool is a pgxpool.Pool on this binary's own database (for code that takes a pool).
// Pair it with DB or CleanDB for the isolation.
func PostgresPool(t testingTB) *pgxpool.Pool {
	t.Helper()
	return postgresReady(t)
}

// DB is a transaction on this binary's own database, rolled back after the test.
func DB(t testingTB) pgx.Tx {
	t.Helper()
	pool := postgresReady(t)
	postgresRun.clean.RLock()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	tx, err := pool.Begin(ctx)
	if err != nil {
		postgresRun.clean.RUnlock()
		failStopped(t, postgresTitle, postgresRun.ownURL, err)
	}
	t.Cleanup(func() {
		defer postgresRun.clean.RUnlock()
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		if err := tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
			// A broken or busy connection: drop it so the next test gets a fresh one.
			_ = tx.Conn().Close(context.Background())
		}
	})
	return tx
}

// CleanDB is for code that commits on its own connections: every table with rows is
// emptied before and after the test, and the pool on this binary's database is returned.
// It runs alone among the tests that use DB or CleanDB.
func CleanDB(t testingTB) *pgxpool.Pool {
	t.Helper()
	pool := postgresReady(t)
	postgresRun.clean.Lock()
	truncate := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout()+30*time.Second)
		defer cancel()
		if _, err := serverDatabase(ctx, pool, postgresRun.ownURL); err != nil {
			return err
		}
		_, err := TruncateTablesWithRows(ctx, pool)
		return err
	}
	if err := truncate(); err != nil {
		postgresRun.clean.Unlock()
		var unsafe *UnsafeTarget
		var pgErr *pgconn.PgError
		if errors.As(err, &unsafe) || errors.As(err, &pgErr) {
			t.Fatal(err)
		}
		failStopped(t, postgresTitle, postgresRun.ownURL, err)
	}
	t.Cleanup(func() {
		defer postgresRun.clean.Unlock()
		if StoppedReason(postgresTitle) == "" {
			if err := truncate(); err != nil {
				t.Errorf("integration-harness: emptying the tables after the test: %v", err)
			}
		}
	})
	return pool
}
