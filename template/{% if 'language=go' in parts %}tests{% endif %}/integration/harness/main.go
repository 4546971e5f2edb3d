// Managed by integration-harness: `copier update` rewrites this file.

package harness

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type testingTB = testing.TB

var (
	runSettings *Settings
	runContext  = RunContext{Parallel: 1}
)

// migrate, when set (harness/migrations.go, written with migrations=goose), builds
// each test database in place of schema/*.sql: dialect is "postgres" or "mysql",
// db is open on the new, empty database.
var migrate func(ctx context.Context, dialect string, db *sql.DB) error

// keptTables are never emptied by CleanDB: every migration tool's version table (another
// project of yours on the same test database may use another tool).
var keptTables = map[string]bool{
	"alembic_version":       true,
	"goose_db_version":      true,
	"flyway_schema_history": true,
	"knex_migrations":       true,
	"knex_migrations_lock":  true,
}

// Main runs the tests of one test binary (a package): call it from TestMain,
//
//	func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
//
// Before the first test, the managed files are checked, the settings read, every
// service's URL goes through the safety guard, then one bounded, parallel
// readiness wait, then each service claims what this binary will clean (the run
// lock). Any problem stops the run at once with one message per service, naming
// it, its URL and the fix; then one line says what the harness connected to and
// how long each took. After the tests every claim is released.
func Main(m *testing.M) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	if message, ok := checkManaged(); !ok {
		fmt.Fprintln(os.Stderr, message)
		return 1
	}
	settings, err := Load()
	if err == nil {
		_, err = settings.ServiceTimeout()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "integration-harness: the settings are not usable, no test was run:\n  - %s\n", Redact(err.Error()))
		return 1
	}
	runSettings = settings
	if parallel := flag.Lookup("test.parallel"); parallel != nil {
		if n, err := strconv.Atoi(parallel.Value.String()); err == nil && n > 0 {
			runContext.Parallel = n
		}
	}
	problems, results := prepare(settings)
	if len(problems) > 0 {
		release()
		count := "service is"
		if len(problems) > 1 {
			count = fmt.Sprintf("%d services are", len(problems))
		}
		fmt.Fprintf(os.Stderr, "integration-harness: %s not usable, no test was run:\n  - %s\n",
			count, Redact(strings.Join(problems, "\n  - ")))
		return 1
	}
	if len(results) == 0 {
		fmt.Println("integration-harness: this project uses no services")
	} else {
		var ready []string
		for _, r := range results {
			ready = append(ready, fmt.Sprintf("%s at %s ready in %d ms", r.Server, r.URL, r.Elapsed.Milliseconds()))
		}
		fmt.Println(Redact("integration-harness: " + strings.Join(ready, "; ")))
	}
	defer release()
	return m.Run()
}

func fixFor(service Service, settings *Settings, problem string) string {
	source := settings.EnvFile
	if _, set := os.LookupEnv(service.URLVar); set {
		source = "the environment"
	}
	if problem != "" && !strings.HasPrefix(problem, "no answer within") {
		return fmt.Sprintf("    fix: the server answered but refused: check the user, password and "+
			"database in %s (now from %s)", service.URLVar, source)
	}
	return fmt.Sprintf("    fix: start the test services (`make integration-services-up`, needs Docker) or point "+
		"%s at a running %s (now from %s)", service.URLVar, service.Title, source)
}

// prepare guards, waits for and claims every service; the problems, or how each answered.
func prepare(settings *Settings) ([]string, []Readiness) {
	var problems []string
	type waiting struct {
		service Service
		url     string
	}
	var ready []waiting
	for _, service := range Services {
		url, err := settings.URL(service.URLVar)
		if err == nil {
			err = modules[service.Name].guard(url, settings)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", service.Title, err))
			continue
		}
		ready = append(ready, waiting{service, url})
	}
	results := make([]Readiness, len(ready))
	more := make([]string, len(ready))
	var group sync.WaitGroup
	for i, w := range ready {
		group.Add(1)
		go func() {
			defer group.Done()
			m := modules[w.service.Name]
			results[i] = WaitFor(w.service.Title, w.url, m.probe, settings.Timeout())
			if results[i].Problem != "" {
				more[i] = fmt.Sprintf("%s at %s: %s\n%s", w.service.Title, results[i].URL, results[i].Problem,
					fixFor(w.service, settings, results[i].Problem))
			} else if m.preflight != nil {
				ctx, cancel := context.WithTimeout(context.Background(), 2*settings.Timeout()+1e9)
				defer cancel()
				if err := m.preflight(ctx, w.url, settings, runContext); err != nil {
					more[i] = fmt.Sprintf("%s: %v", w.service.Title, err)
				}
			}
		}()
	}
	group.Wait()
	for _, problem := range more {
		if problem != "" {
			problems = append(problems, problem)
		}
	}
	return problems, results
}

func release() {
	for _, m := range modules {
		if m.release != nil {
			m.release()
		}
	}
}

// runTimeout is how long each service may take to answer (TEST_SERVICE_TIMEOUT).
func runTimeout() time.Duration {
	if runSettings != nil {
		return runSettings.Timeout()
	}
	return defaultServiceTimeout
}

// settingsFor is the run's settings (read again outside Main, e.g. in a test of the harness itself).
func settingsFor(t testingTB) *Settings {
	if runSettings != nil {
		return runSettings
	}
	settings, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return settings
}

// serviceURL is the guarded URL of urlVar, or t fails naming the problem.
func serviceURL(t testingTB, name, urlVar string) string {
	settings := settingsFor(t)
	url, err := settings.URL(urlVar)
	if err == nil {
		err = modules[name].guard(url, settings)
	}
	if err != nil {
		t.Fatal(err)
	}
	return url
}
