// Example tests: how the harness reads its TEST_* settings (keep or delete).

package integration

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"integration/harness"
)

func envFile(t *testing.T, text string, local ...string) string {
	t.Helper()
	folder := t.TempDir()
	if err := os.WriteFile(filepath.Join(folder, harness.EnvFileName), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, content := range local {
		if err := os.WriteFile(filepath.Join(folder, harness.LocalEnvFileName), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(folder, harness.EnvFileName)
}

func load(t *testing.T, environ map[string]string, file string) *harness.Settings {
	t.Helper()
	settings, err := harness.LoadSettings(environ, file)
	if err != nil {
		t.Fatal(err)
	}
	return settings
}

func TestEnvironmentWinsOverTheEnvFile(t *testing.T) {
	t.Parallel()
	file := envFile(t, "TEST_PORT=1\nTEST_URL=scheme://127.0.0.1:${TEST_PORT}/x\n")

	got, _ := load(t, map[string]string{"TEST_PORT": "2"}, file).URL("TEST_URL")

	if got != "scheme://127.0.0.1:2/x" {
		t.Fatalf("TEST_URL = %q", got)
	}
}

func TestLocalFileWinsOverTheEnvFile(t *testing.T) {
	t.Parallel()
	file := envFile(t, "TEST_URL=from-base\n", "TEST_URL=from-local\n")

	if got, _ := load(t, nil, file).URL("TEST_URL"); got != "from-local" {
		t.Fatalf("TEST_URL = %q", got)
	}
}

func TestNamesWithoutTheTestPrefixAreIgnored(t *testing.T) {
	t.Parallel()
	settings := load(t, map[string]string{"DATABASE_URL": "postgresql://prod/app"}, envFile(t, ""))

	if got := settings.Get("DATABASE_URL"); got != "" {
		t.Fatalf("DATABASE_URL was read: %q", got)
	}
}

func TestMissingSettingNamesTheFix(t *testing.T) {
	t.Parallel()
	_, err := load(t, nil, envFile(t, "")).URL("TEST_NOPE_URL")

	var missing *harness.MissingSetting
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "TEST_NOPE_URL is not set") {
		t.Fatalf("error = %v", err)
	}
}

func TestInlineCommentEndsAnUnquotedValue(t *testing.T) {
	t.Parallel()
	settings := load(t, nil, envFile(t, "TEST_URL=scheme://127.0.0.1/x # the local one\nTEST_NAME=\"a # b\" # quoted\n"))

	if got := settings.Get("TEST_URL"); got != "scheme://127.0.0.1/x" {
		t.Fatalf("TEST_URL = %q", got)
	}
	if got := settings.Get("TEST_NAME"); got != "a # b" {
		t.Fatalf("TEST_NAME = %q", got)
	}
}

func TestSettingSetButEmptyInTheEnvironmentStopsTheRun(t *testing.T) {
	t.Parallel()
	_, err := harness.LoadSettings(map[string]string{"TEST_URL": ""}, envFile(t, "TEST_URL=x\n"))

	want := "TEST_URL is set but empty in the environment: unset it or give it a value"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v", err)
	}
}

func TestRemoteHostIsRefusedUnlessAllowed(t *testing.T) {
	t.Parallel()
	err := harness.EnsureDisposable("Service", "url", []string{"db.example.com"}, nil)

	var unsafe *harness.UnsafeTarget
	if !errors.As(err, &unsafe) || !strings.Contains(err.Error(), "TEST_ALLOWED_HOSTS=db.example.com") {
		t.Fatalf("error = %v", err)
	}
	if err := harness.EnsureDisposable("Service", "url", []string{"db.example.com"}, []string{"db.example.com"}); err != nil {
		t.Fatalf("allowed host refused: %v", err)
	}
}

func TestTestMustBeAWholeWordOfADatabaseName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"app_test", "test_app", "app-test-2", "app_tests", "test2"} {
		if !harness.IsTestDatabase(name) {
			t.Errorf("%s refused", name)
		}
	}
	for _, name := range []string{"latest_orders", "contest", "apptest", "attestation", "app"} {
		if harness.IsTestDatabase(name) {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestCredentialsAreRedacted(t *testing.T) {
	t.Parallel()
	got := harness.Redact("postgresql://user:s3cret@db/app?password=x&sslmode=disable")

	if strings.Contains(got, "s3cret") || strings.Contains(got, "password=x") || !strings.Contains(got, "user:***@") {
		t.Fatalf("not redacted: %s", got)
	}
}
