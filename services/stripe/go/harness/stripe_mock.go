// Managed by integration-harness: `copier update` rewrites this file.

package harness

// stripe-mock helpers: StripeAPIURL, StripeClient, NewStripeClient.
//
// stripe-mock answers every request from Stripe's OpenAPI fixtures and checks it
// against Stripe's schema. It keeps no state, so there is nothing to clean; the
// clients use a fixed test key, never yours.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/stripe/stripe-go/v84"
)

var (
	stripeTitle  = catalogueTitle("stripe")
	stripeURLVar = catalogueURLVar("stripe")
)

const (
	// StripeTestAPIKey is the key every harness client sends (stripe-mock accepts any test key).
	StripeTestAPIKey = "sk_test_integrationharness"
)

func init() {
	register("stripe", module{guard: stripeGuard, probe: stripeProbe})
}

func stripeGuard(raw string, settings *Settings) error {
	parsed, err := url.Parse(raw)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") {
		return fmt.Errorf("%s must be an http:// URL, not %s", stripeURLVar, Redact(raw))
	}
	return EnsureDisposable(stripeTitle, raw, []string{parsed.Hostname()}, settings.AllowedHosts())
}

func stripeProbe(ctx context.Context, raw string) (string, error) {
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(raw, "/")+"/v1/charges", nil)
	if err != nil {
		return "", &Misconfigured{err}
	}
	request.Header.Set("Authorization", "Bearer "+StripeTestAPIKey)
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return "", err
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		return "", &Misconfigured{fmt.Errorf("HTTP %d from %s/v1/charges: is this stripe-mock?", response.StatusCode, raw)}
	}
	return strings.TrimSpace(stripeTitle + " " + response.Header.Get("Stripe-Mock-Version")), nil
}

// NewStripeClient is a Stripe client on apiURL with the test key and no retries
// (httpClient nil for the default; a test may give one with an in-process Transport).
func NewStripeClient(apiURL string, httpClient *http.Client) *stripe.Client {
	config := &stripe.BackendConfig{
		URL:               stripe.String(strings.TrimRight(apiURL, "/")),
		MaxNetworkRetries: stripe.Int64(0),
		HTTPClient:        httpClient,
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	return stripe.NewClient(StripeTestAPIKey, stripe.WithBackends(stripe.NewBackendsWithConfig(config)))
}

// StripeAPIURL is the URL of a ready stripe-mock (TEST_STRIPE_URL).
func StripeAPIURL(t testingTB) string {
	t.Helper()
	return serviceURL(t, "stripe", stripeURLVar)
}

// StripeClient is a Stripe client (test key, no retries) whose requests go to stripe-mock.
func StripeClient(t testingTB) *stripe.Client {
	t.Helper()
	return NewStripeClient(StripeAPIURL(t), nil)
}
