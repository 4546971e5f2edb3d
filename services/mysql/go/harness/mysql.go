// Managed by integration-harness: `copier update` rewrites this file.

package harness

// MySQL and MariaDB helpers: DatabaseURL, DB, CleanDB, SQLDB (the same as for PostgreSQL).
//
// Isolation: DB(t) wraps the test in a transaction rolled back after it. MySQL ends
// a transaction at any DDL statement, so tests that run DDL use CleanDB(t), which
// empties every table with rows before and after the test. Each test binary (a
// package) has a database of its own, <database>_go_<hash of the package folder>,
// dropped and created again from schema/*.sql when the binary starts and dropped
// when it ends, so a changed schema file or a killed run never carries over. The
// binary holds a named lock (GET_LOCK) on that database while it runs: a second
// run of the same package against the same server stops instead of dropping it.
//
// Identifiers are quoted with backticks (embedded backticks doubled), the server
// is asked DATABASE() before anything is cleaned, and every session has bounded
// statements (30 s) and lock waits (10 s). Tests that use DB may run in parallel
// (t.Parallel); a test that uses CleanDB runs alone among them.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

var (
	mysqlTitle  = catalogueTitle("mysql", "mariadb")
	mysqlURLVar = catalogueURLVar("mysql", "mariadb")
)

// access denied, unknown database, host not allowed, auth plugin, socket auth
var mysqlPermanent = map[uint16]bool{1044: true, 1045: true, 1049: true, 1130: true, 1251: true, 1698: true}

func init() {
	register("mysql", module{guard: mysqlGuard, probe: mysqlProbe, preflight: mysqlPreflight, release: mysqlRelease})
	register("mariadb", module{guard: mysqlGuard, probe: mysqlProbe, preflight: mysqlPreflight, release: mysqlRelease})
}

// MySQLConfig reads a mysql:// URL into the driver's configuration: the one parse every helper uses.
func MySQLConfig(raw string) (*mysql.Config, error) {
	parsed, err := url.Parse(raw)
	if err != nil || (parsed.Scheme != "mysql" && parsed.Scheme != "mariadb") {
		return nil, fmt.Errorf("%s must start with mysql://, not %s", mysqlURLVar, Redact(raw))
	}
	config := mysql.NewConfig()
	config.Net = "tcp"
	port := parsed.Port()
	if port == "" {
		port = "3306"
	}
	config.Addr = net.JoinHostPort(parsed.Hostname(), port)
	config.User = parsed.User.Username()
	config.Passwd, _ = parsed.User.Password()
	config.DBName = strings.TrimPrefix(parsed.Path, "/")
	config.ParseTime = true
	config.Timeout = runTimeout()
	config.Params = map[string]string{}
	for name, values := range parsed.Query() {
		if name != "charset" {
			return nil, fmt.Errorf("%s: unsupported option %s", mysqlURLVar, name)
		}
		config.Params["charset"] = values[0]
	}
	return config, nil
}

func mysqlGuard(raw string, settings *Settings) error {
	config, err := MySQLConfig(raw)
	if err != nil {
		return err
	}
	host, _, _ := net.SplitHostPort(config.Addr)
	if err := EnsureDisposable(mysqlTitle, raw, []string{host}, settings.AllowedHosts()); err != nil {
		return err
	}
	return EnsureTestDatabase(mysqlTitle, raw, config.DBName)
}

func mysqlOpen(raw string, bounds map[string]string) (*sql.DB, error) {
	config, err := MySQLConfig(raw)
	if err != nil {
		return nil, err
	}
	for name, value := range bounds {
		config.Params[name] = value
	}
	connector, err := mysql.NewConnector(config)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector), nil
}

func mysqlProbe(ctx context.Context, raw string) (string, error) {
	db, err := mysqlOpen(raw, nil)
	if err != nil {
		return "", &Misconfigured{err}
	}
	defer db.Close()
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		var mysqlErr *mysql.MySQLError
		if errors.As(err, &mysqlErr) && mysqlPermanent[mysqlErr.Number] {
			return "", &Misconfigured{err}
		}
		return "", err
	}
	name := "MySQL"
	if strings.Contains(strings.ToLower(version), "mariadb") {
		name = "MariaDB"
	}
	return name + " " + strings.Split(strings.TrimPrefix(version, "5.5.5-"), "-")[0], nil
}

var mysqlRun struct {
	sync.Mutex
	lockDB  *sql.DB
	lock    *sql.Conn // holds GET_LOCK while the binary runs
	ownName string
	ownURL  string
	db      *sql.DB // on the own database, with the session bounds
	bounds  map[string]string
	clean   sync.RWMutex // DB holds it shared, CleanDB alone
}

// mysqlBounds are the session bounds in the form this server accepts.
func mysqlBounds(ctx context.Context, db *sql.DB) (map[string]string, error) {
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return nil, err
	}
	bounds := map[string]string{"innodb_lock_wait_timeout": "10", "lock_wait_timeout": "10"}
	if strings.Contains(strings.ToLower(version), "mariadb") {
		bounds["max_statement_time"] = "30" // seconds
	} else {
		bounds["max_execution_time"] = "30000" // milliseconds (SELECT)
	}
	return bounds, nil
}

// QuoteIdentifier is name as a MySQL identifier: in backticks, embedded backticks doubled.
func QuoteIdentifier(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// SplitStatements is the statements of a plain SQL script (; at line ends; -- comments dropped).
func SplitStatements(script string) []string {
	var kept []string
	for _, line := range strings.Split(script, "\n") {
		if trimmed := strings.TrimSpace(line); trimmed != "" && !strings.HasPrefix(trimmed, "--") {
			kept = append(kept, line)
		}
	}
	var statements []string
	for _, statement := range strings.Split(strings.Join(kept, "\n")+"\n", ";\n") {
		if statement = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(statement), ";")); statement != "" {
			statements = append(statements, statement)
		}
	}
	return statements
}

func mysqlPreflight(ctx context.Context, raw string, _ *Settings, _ RunContext) error {
	admin, err := mysqlOpen(raw, nil)
	if err != nil {
		return err
	}
	conn, err := admin.Conn(ctx)
	if err != nil {
		admin.Close()
		return err
	}
	fail := func(err error) error { conn.Close(); admin.Close(); return err }
	var database string
	if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&database); err != nil {
		return fail(err)
	}
	if err := EnsureTestDatabase(mysqlTitle, raw, database); err != nil {
		return fail(err)
	}
	folder, _ := os.Getwd()
	sum := sha256.Sum256([]byte(folder))
	own := fmt.Sprintf("%s_go_%s", database, hex.EncodeToString(sum[:4]))
	var locked sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 0)", "integration-harness:"+own).Scan(&locked); err != nil {
		return fail(err)
	}
	if locked.Int64 != 1 {
		return fail(&UnsafeTarget{fmt.Sprintf("Another test run is using %s database '%s' at %s right now. "+
			"Wait for it to finish, or give this run a database of its own in %s "+
			"('test' must be a whole word of its name).", mysqlTitle, own, Redact(raw), mysqlURLVar)})
	}
	for _, statement := range []string{"DROP DATABASE IF EXISTS " + QuoteIdentifier(own), "CREATE DATABASE " + QuoteIdentifier(own)} {
		if _, err := conn.ExecContext(ctx, statement); err != nil {
			return fail(err)
		}
	}
	bounds, err := mysqlBounds(ctx, admin)
	if err != nil {
		return fail(err)
	}
	parsed, _ := url.Parse(raw)
	parsed.Path = "/" + own
	ownURL := parsed.String()
	db, err := mysqlOpen(ownURL, bounds)
	if err != nil {
		return fail(err)
	}
	if err := mysqlBuildSchema(ctx, db, ownURL, bounds); err != nil {
		db.Close()
		_, _ = conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+QuoteIdentifier(own))
		return fail(err)
	}
	mysqlRun.Lock()
	defer mysqlRun.Unlock()
	mysqlRun.lockDB, mysqlRun.lock, mysqlRun.ownName, mysqlRun.ownURL, mysqlRun.db = admin, conn, own, ownURL, db
	mysqlRun.bounds = bounds
	return nil
}

// sqlDialect names this database for the migration tools.
const sqlDialect = "mysql"

// mysqlBuildSchema builds the new database: the migrations (migrations=goose), else schema/*.sql.
func mysqlBuildSchema(ctx context.Context, db *sql.DB, ownURL string, bounds map[string]string) error {
	if migrate == nil {
		if _, err := applyMySQLSchema(ctx, db, filepath.Join(IntegrationDir(), "schema")); err != nil {
			return fmt.Errorf("schema: %w", err)
		}
		return nil
	}
	migrations, err := openSQL(ownURL, bounds)
	if err != nil {
		return err
	}
	defer migrations.Close()
	return migrate(ctx, sqlDialect, migrations)
}

func openSQL(databaseURL string, bounds map[string]string) (*sql.DB, error) {
	config, err := MySQLConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	for name, value := range bounds {
		config.Params[name] = value
	}
	config.ParseTime = true // the migration tools read timestamps
	connector, err := mysql.NewConnector(config)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector), nil
}

// OpenSQL is a *sql.DB on databaseURL (the session bounds set, parseTime on), for tools
// that take one (migrations). Close it when done.
func OpenSQL(databaseURL string) (*sql.DB, error) {
	mysqlRun.Lock()
	bounds := mysqlRun.bounds
	mysqlRun.Unlock()
	return openSQL(databaseURL, bounds)
}

// ScratchDatabaseURL creates an empty database of this test's own beside this binary's
// (<its name>_mig_<random>, guarded like it) and drops it when the test ends: for
// checking migrations from empty.
func ScratchDatabaseURL(t testingTB) string {
	t.Helper()
	db := mysqlReady(t)
	mysqlRun.Lock()
	ownURL, ownName := mysqlRun.ownURL, mysqlRun.ownName
	mysqlRun.Unlock()
	random := make([]byte, 4)
	_, _ = rand.Read(random)
	name := ownName + "_mig_" + hex.EncodeToString(random)
	parsed, _ := url.Parse(ownURL)
	parsed.Path = "/" + name
	scratchURL := parsed.String()
	if err := mysqlGuard(scratchURL, settingsFor(t)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+QuoteIdentifier(name)); err != nil {
		t.Fatalf("integration-harness: %s: %s", mysqlTitle, Redact(err.Error()))
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+QuoteIdentifier(name)); err != nil {
			t.Errorf("integration-harness: could not drop %s: %s", name, Redact(err.Error()))
		}
	})
	return scratchURL
}

// UserTables lists the tables of db other than the migration tools' own, sorted.
func UserTables(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM information_schema.tables "+
		"WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1")
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

func applyMySQLSchema(ctx context.Context, db *sql.DB, folder string) ([]string, error) {
	files, _ := filepath.Glob(filepath.Join(folder, "*.sql"))
	sort.Strings(files)
	var names []string
	for _, file := range files {
		script, err := os.ReadFile(file)
		if err != nil {
			return names, err
		}
		for _, statement := range SplitStatements(string(script)) {
			if _, err := db.ExecContext(ctx, statement); err != nil {
				return names, fmt.Errorf("%s: %w", filepath.Base(file), err)
			}
		}
		names = append(names, filepath.Base(file))
	}
	return names, nil
}

func mysqlRelease() {
	mysqlRun.Lock()
	defer mysqlRun.Unlock()
	if mysqlRun.db != nil {
		mysqlRun.db.Close()
	}
	if mysqlRun.lock != nil {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		// The next run drops it first if this fails.
		_, _ = mysqlRun.lock.ExecContext(ctx, "DROP DATABASE IF EXISTS "+QuoteIdentifier(mysqlRun.ownName))
		mysqlRun.lock.Close()
		mysqlRun.lockDB.Close()
	}
	mysqlRun.db, mysqlRun.lock, mysqlRun.lockDB = nil, nil, nil
}

// MySQLTruncateTablesWithRows empties every table of the connection's database that has rows.
func MySQLTruncateTablesWithRows(ctx context.Context, conn *sql.Conn) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT table_name FROM information_schema.tables "+
		"WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'")
	if err != nil {
		return nil, err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		if !keptTables[name] {
			tables = append(tables, name)
		}
	}
	rows.Close()
	var dirty []string
	for _, table := range tables {
		var one int
		err := conn.QueryRowContext(ctx, "SELECT 1 FROM "+QuoteIdentifier(table)+" LIMIT 1").Scan(&one)
		if err == nil {
			dirty = append(dirty, table)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	if len(dirty) == 0 {
		return nil, nil
	}
	// TRUNCATE refuses tables that foreign keys point at, even empty ones.
	if _, err := conn.ExecContext(ctx, "SET SESSION foreign_key_checks = 0"); err != nil {
		return nil, err
	}
	defer conn.ExecContext(context.Background(), "SET SESSION foreign_key_checks = 1") //nolint:errcheck
	for _, table := range dirty {
		if _, err := conn.ExecContext(ctx, "TRUNCATE TABLE "+QuoteIdentifier(table)); err != nil {
			return nil, err
		}
	}
	return dirty, nil
}

func mysqlReady(t testingTB) *sql.DB {
	t.Helper()
	skipIfStopped(t, mysqlTitle)
	mysqlRun.Lock()
	db := mysqlRun.db
	mysqlRun.Unlock()
	if db == nil {
		t.Fatal("integration-harness: MySQL/MariaDB is not prepared: call harness.Main from TestMain " +
			"(func TestMain(m *testing.M) { os.Exit(harness.Main(m)) })")
	}
	return db
}

// DatabaseURL is the mysql:// URL of this test binary's own disposable database, schema applied.
func DatabaseURL(t testingTB) string {
	t.Helper()
	mysqlReady(t)
	return mysqlRun.ownURL
}

// SQLDB is the *sql.DB on this binary's own database (session bounds set), for code that takes one.
// Pair it with DB or CleanDB for the isolation.
func SQLDB(t testingTB) *sql.DB {
	t.Helper()
	return mysqlReady(t)
}

// DB is a transaction on this binary's own database, rolled back after the test.
func DB(t testingTB) *sql.Tx {
	t.Helper()
	db := mysqlReady(t)
	mysqlRun.clean.RLock()
	// Not a context with a deadline: database/sql rolls a transaction back when its context ends.
	tx, err := db.BeginTx(context.Background(), nil)
	if err != nil {
		mysqlRun.clean.RUnlock()
		failStopped(t, mysqlTitle, mysqlRun.ownURL, err)
	}
	t.Cleanup(func() {
		defer mysqlRun.clean.RUnlock()
		if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
			t.Errorf("integration-harness: rolling back after the test: %v", err)
		}
	})
	return tx
}

// CleanDB is for code that commits on its own connections: every table with rows is
// emptied before and after the test, and the *sql.DB on this binary's database is returned.
// It runs alone among the tests that use DB or CleanDB.
func CleanDB(t testingTB) *sql.DB {
	t.Helper()
	db := mysqlReady(t)
	mysqlRun.clean.Lock()
	truncate := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout()+30*time.Second)
		defer cancel()
		conn, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		var name string
		if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&name); err != nil {
			return err
		}
		if err := EnsureTestDatabase(mysqlTitle, mysqlRun.ownURL, name); err != nil {
			return err
		}
		_, err = MySQLTruncateTablesWithRows(ctx, conn)
		return err
	}
	if err := truncate(); err != nil {
		mysqlRun.clean.Unlock()
		var unsafe *UnsafeTarget
		var mysqlErr *mysql.MySQLError
		if errors.As(err, &unsafe) || errors.As(err, &mysqlErr) {
			t.Fatal(err)
		}
		failStopped(t, mysqlTitle, mysqlRun.ownURL, err)
	}
	t.Cleanup(func() {
		defer mysqlRun.clean.Unlock()
		if StoppedReason(mysqlTitle) == "" {
			if err := truncate(); err != nil {
				t.Errorf("integration-harness: emptying the tables after the test: %v", err)
			}
		}
	})
	return db
}
