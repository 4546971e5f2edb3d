// Managed by integration-harness: `copier update` rewrites this file.

// Package harness runs the integration tests against disposable test services:
// the TEST_* settings, the safety guard, one bounded readiness check before the
// first test (Main, called from TestMain), and per-test helpers that take a
// testing.TB and undo what the test did with t.Cleanup.
package harness

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// EnvFileName is the settings file the template manages; LocalEnvFileName is yours.
const (
	EnvFileName      = ".env.test"
	LocalEnvFileName = ".env.test.local"
)

const defaultServiceTimeout = 10 * time.Second

var reference = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// MissingSetting is a TEST_* setting the suite needs that is set nowhere (or unusable).
type MissingSetting struct{ Message string }

func (e *MissingSetting) Error() string { return e.Message }

// Settings are the TEST_* values with the documented precedence, ${NAME} expanded.
type Settings struct {
	Values  map[string]string
	EnvFile string // "" when no .env.test was found
}

// Get returns the setting, or "" when it is unset or empty.
func (s *Settings) Get(name string) string { return s.Values[name] }

// URL returns the URL in setting name, or a *MissingSetting naming the fix.
func (s *Settings) URL(name string) (string, error) {
	if value := s.Get(name); value != "" {
		return value, nil
	}
	where := s.EnvFile
	if where == "" {
		where = EnvFileName + " (not found)"
	}
	return "", &MissingSetting{fmt.Sprintf("%s is not set: set it in the environment or in %s "+
		"(to restore the generated %s, see README, 'Restoring managed files').", name, where, EnvFileName)}
}

// AllowedHosts are the extra hosts the guard accepts (TEST_ALLOWED_HOSTS, comma-separated).
func (s *Settings) AllowedHosts() []string {
	var hosts []string
	for _, host := range strings.Split(s.Get("TEST_ALLOWED_HOSTS"), ",") {
		if host = strings.ToLower(strings.TrimSpace(host)); host != "" {
			hosts = append(hosts, host)
		}
	}
	return hosts
}

// ServiceTimeout is how long each service may take to answer (TEST_SERVICE_TIMEOUT, seconds).
func (s *Settings) ServiceTimeout() (time.Duration, error) {
	raw := s.Get("TEST_SERVICE_TIMEOUT")
	if raw == "" {
		return defaultServiceTimeout, nil
	}
	seconds, err := strconv.ParseFloat(raw, 64)
	if err != nil || seconds <= 0 {
		return 0, &MissingSetting{"TEST_SERVICE_TIMEOUT must be a number of seconds, not " + raw}
	}
	return time.Duration(seconds * float64(time.Second)), nil
}

// Timeout is ServiceTimeout, or the default when the setting is unusable (Main has refused that already).
func (s *Settings) Timeout() time.Duration {
	timeout, err := s.ServiceTimeout()
	if err != nil {
		return defaultServiceTimeout
	}
	return timeout
}

// ParseEnvFile reads NAME=value lines: # comments (also ` #` after an unquoted value), blank lines, quotes.
func ParseEnvFile(text string) (map[string]string, error) {
	values := map[string]string{}
	quoted := regexp.MustCompile(`^(["'])(.*?)(["'])(\s+#.*)?$`)
	scanner := bufio.NewScanner(strings.NewReader(text))
	for number := 1; scanner.Scan(); number++ {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		name, value, found := strings.Cut(line, "=")
		if !found || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("line %d: expected NAME=value, got %s", number, line)
		}
		value = strings.TrimSpace(value)
		if match := quoted.FindStringSubmatch(value); match != nil && match[1] == match[3] {
			value = match[2]
		} else if at := regexp.MustCompile(`\s#`).FindStringIndex(value); at != nil {
			value = strings.TrimRight(value[:at[0]], " \t")
		}
		values[strings.TrimSpace(name)] = value
	}
	return values, scanner.Err()
}

// harnessDir is the folder of this package's source, where the tests run from.
func harnessDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		wd, _ := os.Getwd()
		return filepath.Join(wd, "harness")
	}
	return filepath.Dir(file)
}

// IntegrationDir is the folder holding go.mod of the test module (tests/integration).
func IntegrationDir() string { return filepath.Dir(harnessDir()) }

// ProjectRoot is the nearest folder at or above start holding .copier-answers.yml,
// else the nearest holding .git, else the folder two levels above tests/integration.
func ProjectRoot(start string) string {
	for _, marker := range []string{".copier-answers.yml", ".git"} {
		for folder := start; ; {
			if _, err := os.Stat(filepath.Join(folder, marker)); err == nil {
				return folder
			}
			parent := filepath.Dir(folder)
			if parent == folder {
				break
			}
			folder = parent
		}
	}
	return filepath.Dir(filepath.Dir(IntegrationDir()))
}

// FindEnvFile is .env.test of the project root (never of a folder above it), or TEST_ENV_FILE.
func FindEnvFile() string {
	if explicit := os.Getenv("TEST_ENV_FILE"); explicit != "" {
		absolute, _ := filepath.Abs(explicit)
		return absolute
	}
	candidate := filepath.Join(ProjectRoot(IntegrationDir()), EnvFileName)
	if _, err := os.Stat(candidate); err == nil {
		return candidate
	}
	return ""
}

// Environ is the process environment as a map.
func Environ() map[string]string {
	values := map[string]string{}
	for _, pair := range os.Environ() {
		name, value, _ := strings.Cut(pair, "=")
		values[name] = value
	}
	return values
}

// LoadSettings reads the TEST_* settings: environ > .env.test.local > envFile ("" for none).
// A TEST_* variable set but empty in environ is an error: it would hide the file's value.
func LoadSettings(environ map[string]string, envFile string) (*Settings, error) {
	for name, value := range environ {
		if strings.HasPrefix(name, "TEST_") && strings.TrimSpace(value) == "" {
			return nil, &MissingSetting{name + " is set but empty in the environment: unset it or give it a value"}
		}
	}
	merged := map[string]string{}
	if envFile != "" {
		for _, file := range []string{envFile, filepath.Join(filepath.Dir(envFile), LocalEnvFileName)} {
			text, err := os.ReadFile(file)
			if errors.Is(err, os.ErrNotExist) && file != envFile {
				continue
			}
			if err != nil {
				return nil, err
			}
			values, err := ParseEnvFile(string(text))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			for name, value := range values {
				merged[name] = value
			}
		}
	}
	for name, value := range environ {
		if strings.HasPrefix(name, "TEST_") {
			merged[name] = value
		}
	}
	var expand func(value string, seen []string) (string, error)
	expand = func(value string, seen []string) (string, error) {
		var problem error
		result := reference.ReplaceAllStringFunc(value, func(match string) string {
			name := reference.FindStringSubmatch(match)[1]
			for _, earlier := range seen {
				if earlier == name {
					problem = fmt.Errorf("%s refers to itself", name)
					return ""
				}
			}
			inner, err := expand(merged[name], append(append([]string{}, seen...), name))
			if err != nil {
				problem = err
			}
			return inner
		})
		return result, problem
	}
	resolved := map[string]string{}
	for name, value := range merged {
		if !strings.HasPrefix(name, "TEST_") {
			continue
		}
		expanded, err := expand(value, []string{name})
		if err != nil {
			return nil, err
		}
		resolved[name] = expanded
	}
	return &Settings{Values: resolved, EnvFile: envFile}, nil
}

// Load reads the settings of this process (the environment and the project's .env.test).
func Load() (*Settings, error) { return LoadSettings(Environ(), FindEnvFile()) }

var purposePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,40}$`)

// UniqueTestName is test<sep>p<pid><sep><purpose><sep><stamp><random>: a name no other
// test or process uses. stamp is the creation time (unix seconds, 7 base-36 digits) and
// random 6 hex digits, so a killed run's leftover shows its age.
func UniqueTestName(factory, purpose, separator string) string {
	if !purposePattern.MatchString(purpose) {
		panic(fmt.Sprintf("%s purpose %q: use lowercase letters, digits, - or _", factory, purpose))
	}
	stamp := strconv.FormatInt(time.Now().Unix(), 36)
	for len(stamp) < 7 {
		stamp = "0" + stamp
	}
	random := make([]byte, 3)
	_, _ = rand.Read(random)
	return strings.Join([]string{"test", fmt.Sprintf("p%d", os.Getpid()), purpose, stamp + hex.EncodeToString(random)}, separator)
}

// LeftoverAge is how old a UniqueTestName name must be to count as a killed run's leftover: longer than any run.
const LeftoverAge = time.Hour

// IsLeftoverTestName is true for a name UniqueTestName made with separator more than
// LeftoverAge ago: what a killed run left. Names of a run in progress, or of anything else, are false.
func IsLeftoverTestName(name, separator string, now time.Time) bool {
	quoted := regexp.QuoteMeta(separator)
	shape := regexp.MustCompile("^test" + quoted + `p\d+` + quoted + "[a-z0-9_-]+" + quoted + "([0-9a-z]{7})[0-9a-f]{6}$")
	match := shape.FindStringSubmatch(name)
	if match == nil {
		return false
	}
	stamp, err := strconv.ParseInt(match[1], 36, 64)
	return err == nil && time.Unix(stamp, 0).Before(now.Add(-LeftoverAge))
}
