// Managed by integration-harness: `copier update` rewrites this file.

package harness

// The safety guard: never clean data on anything that does not look like a test service.
//
// A target passes only when every host it would reach is a loopback address
// (127.0.0.0/8, ::1), a compose service name of this project, listed in
// TEST_ALLOWED_HOSTS, or localhost / a name ending in .localhost that resolves to
// loopback addresses only; and, for SQL, when "test" is a whole word of its
// database name (app_test, test_app, app-test-2; not latest_orders or contest).
// Hosts are taken from the driver's own reading of the URL.
//
// Redact is the one place credentials are hidden: every message of the harness
// goes through it.

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"time"
)

// UnsafeTarget is a service URL the harness refuses to clean.
type UnsafeTarget struct{ Message string }

func (e *UnsafeTarget) Error() string { return e.Message }

var (
	testWord    = regexp.MustCompile(`(^|[^a-z])tests?([^a-z]|$)`)
	secretNames = `password|pass|pwd|passwd|sslpassword|secret|token|api_key|apikey|key|access_key|secret_key|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token`
	urlPassword = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://[^:/?#@\s]*:)[^@/?#\s]*@`)
	querySecret = regexp.MustCompile(`(?i)([?&;](?:` + secretNames + `)=)[^&#\s]*`)
	keywordPass = regexp.MustCompile(`(?i)(\b(?:password|sslpassword)\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s']\S*)`)
)

// Redact returns text with every credential shown as ***: URL passwords (user:***@),
// query parameters such as password, token or key, keyword passwords and the credentials
// of a service's own form that the catalogue names (SecretPatterns, e.g. API keys sk_test_...).
func Redact(text string) string {
	text = urlPassword.ReplaceAllString(text, "${1}***@")
	text = querySecret.ReplaceAllString(text, "${1}***")
	text = keywordPass.ReplaceAllString(text, "${1}***")
	for _, pattern := range SecretPatterns {
		text = pattern.ReplaceAllString(text, "***")
	}
	return text
}

// IsTestDatabase is true when "test" (or "tests") is a whole word of name: app_test, test_app, app-test-2.
func IsTestDatabase(name string) bool { return testWord.MatchString(strings.ToLower(name)) }

func isLoopbackAddress(address string) bool {
	bare, _, _ := strings.Cut(address, "%")
	ip, err := netip.ParseAddr(bare)
	if err != nil {
		return false
	}
	return ip.Unmap().IsLoopback()
}

func resolvesToLoopbackOnly(name string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	addresses, err := net.DefaultResolver.LookupHost(ctx, name)
	if err != nil || len(addresses) == 0 {
		return false // a name that does not resolve is refused
	}
	for _, address := range addresses {
		if !isLoopbackAddress(address) {
			return false
		}
	}
	return true
}

// IsDisposableHost is true for loopback addresses, compose service names, allowed
// hosts and localhost names that resolve to loopback only. A unix socket path passes.
func IsDisposableHost(host string, allowed []string) bool {
	name := strings.TrimSuffix(strings.ToLower(strings.Trim(strings.TrimSpace(host), "[]")), ".")
	if name == "" {
		return false
	}
	if strings.HasPrefix(name, "/") {
		return true
	}
	for _, service := range Services {
		if name == service.ComposeHost {
			return true
		}
	}
	for _, extra := range allowed {
		if name == strings.ToLower(extra) {
			return true
		}
	}
	bare, _, _ := strings.Cut(name, "%")
	if _, err := netip.ParseAddr(bare); err == nil {
		return isLoopbackAddress(name)
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return resolvesToLoopbackOnly(name)
	}
	return false
}

// EnsureDisposable returns an *UnsafeTarget unless every host looks like a test service.
// displayURL is redacted here.
func EnsureDisposable(title, displayURL string, hosts, allowed []string) error {
	shown := Redact(displayURL)
	if len(hosts) == 0 {
		return &UnsafeTarget{fmt.Sprintf("Refusing to clean %s at %s: the URL names no host.", title, shown)}
	}
	for _, host := range hosts {
		if !IsDisposableHost(host, allowed) {
			return &UnsafeTarget{fmt.Sprintf("Refusing to clean %s at %s: host '%s' is not loopback, "+
				"a compose service or listed in TEST_ALLOWED_HOSTS. If it really is a "+
				"disposable test service, add it: TEST_ALLOWED_HOSTS=%s", title, shown, host, host)}
		}
	}
	return nil
}

// EnsureTestDatabase returns an *UnsafeTarget unless database is named like a test database.
func EnsureTestDatabase(title, displayURL, database string) error {
	shown := Redact(displayURL)
	if database == "" {
		return &UnsafeTarget{fmt.Sprintf("Refusing to clean %s at %s: the URL names no database. "+
			"Name a dedicated test database (e.g. app_test).", title, shown)}
	}
	if !IsTestDatabase(database) {
		return &UnsafeTarget{fmt.Sprintf("Refusing to clean %s at %s: database '%s' is not a test database: "+
			"'test' must be a whole word of its name (app_test, test_app, app-test-2). "+
			"Point the URL at a dedicated test database (e.g. %s_test).", title, shown, database, database)}
	}
	return nil
}
