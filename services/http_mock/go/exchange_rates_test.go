// Example tests (delete with example_app/): a third-party HTTP API, stubbed two ways.
//
// Most tests run the client against WireMock (harness.HTTPMock): real HTTP, real
// timeouts. The last one gives the same client an in-process transport for
// unit-speed checks where the network adds nothing.

package integration

import (
	"context"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	exampleapp "integration/example_app"
	"integration/harness"
)

var eurUSD = map[string]any{"base": "EUR", "rates": map[string]float64{"USD": 1.0842}}

func mustStub(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func requests(t *testing.T, mock *harness.HTTPMockServer, method, path string) []harness.RecordedRequest {
	t.Helper()
	found, err := mock.Requests(method, path)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestRateIsReadFromTheAPI(t *testing.T) {
	t.Parallel()
	mock := harness.HTTPMock(t)
	mustStub(t, mock.Stub("GET", "/rates/EUR", harness.StubResponse{JSONBody: eurUSD}, map[string]string{"symbols": "USD"}))

	rate, err := exampleapp.ExchangeRates{BaseURL: mock.BaseURL}.Rate(context.Background(), "EUR", "USD")

	if err != nil || rate != 1.0842 {
		t.Fatalf("rate %v (%v)", rate, err)
	}
	seen := requests(t, mock, "GET", "/rates/EUR")
	if len(seen) != 1 || seen[0].Headers["Accept"] != "application/json" {
		t.Fatalf("requests %+v", seen)
	}
}

func TestServerErrorIsRetriedThenSucceeds(t *testing.T) {
	t.Parallel()
	mock := harness.HTTPMock(t)
	mustStub(t, mock.StubSequence("GET", "/rates/EUR",
		harness.StubResponse{Status: 503},
		harness.StubResponse{JSONBody: eurUSD},
	))

	rate, err := exampleapp.ExchangeRates{BaseURL: mock.BaseURL, Retries: 2, Backoff: 10 * time.Millisecond}.Rate(context.Background(), "EUR", "USD")

	if err != nil || rate != 1.0842 {
		t.Fatalf("rate %v (%v)", rate, err)
	}
	if n := len(requests(t, mock, "GET", "/rates/EUR")); n != 2 {
		t.Fatalf("%d requests", n)
	}
}

func TestUnknownCurrencyIsNotRetried(t *testing.T) {
	t.Parallel()
	mock := harness.HTTPMock(t)
	mustStub(t, mock.Stub("GET", "/rates/XXX", harness.StubResponse{Status: 404, JSONBody: map[string]string{"error": "unknown"}}, nil))

	_, err := exampleapp.ExchangeRates{BaseURL: mock.BaseURL, Retries: 2}.Rate(context.Background(), "XXX", "USD")

	if !errors.Is(err, exampleapp.ErrUnknownCurrency) {
		t.Fatalf("error = %v", err)
	}
	if n := len(requests(t, mock, "", "")); n != 1 {
		t.Fatalf("%d requests", n)
	}
}

func TestSlowAPIIsGivenUpOnAtTheTimeout(t *testing.T) {
	t.Parallel()
	mock := harness.HTTPMock(t)
	mustStub(t, mock.Stub("GET", "/rates/EUR", harness.StubResponse{JSONBody: eurUSD, Delay: 5 * time.Second}, nil))
	client := exampleapp.ExchangeRates{BaseURL: mock.BaseURL, Timeout: 200 * time.Millisecond}

	started := time.Now()
	_, err := client.Rate(context.Background(), "EUR", "USD")

	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("error = %v", err)
	}
	if took := time.Since(started); took > 2500*time.Millisecond {
		t.Fatalf("waited %v: the 5 s answer was awaited", took)
	}
}

func TestFailingAPIOpensTheCircuitAndLaterCallsFailFast(t *testing.T) {
	t.Parallel()
	mock := harness.HTTPMock(t)
	mustStub(t, mock.Stub("GET", "/rates/EUR", harness.StubResponse{Status: 500}, nil))
	client := exampleapp.ExchangeRates{BaseURL: mock.BaseURL, Retries: 1, Breaker: &exampleapp.CircuitBreaker{Threshold: 2, CoolDown: time.Minute}}

	for range 2 {
		if _, err := client.Rate(context.Background(), "EUR", "USD"); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
			t.Fatalf("error = %v", err)
		}
	}
	before := len(requests(t, mock, "", ""))
	_, err := client.Rate(context.Background(), "EUR", "USD")

	if !errors.Is(err, exampleapp.ErrCircuitOpen) {
		t.Fatalf("error = %v", err)
	}
	if before != 4 { // two calls, each tried twice
		t.Fatalf("%d requests before the circuit opened", before)
	}
	if after := len(requests(t, mock, "", "")); after != before {
		t.Fatalf("the open circuit called the API: %d requests", after)
	}
}

// transport answers in process: no network at all.
type transport func(*http.Request) (*http.Response, error)

func (f transport) RoundTrip(request *http.Request) (*http.Response, error) { return f(request) }

func TestInProcessTransportChecksTheSameClientAtUnitSpeed(t *testing.T) {
	t.Parallel()
	var seen []string
	answers := []string{"", `{"base": "EUR", "rates": {"USD": 1.0842}}`}
	client := &http.Client{Transport: transport(func(request *http.Request) (*http.Response, error) {
		seen = append(seen, request.URL.String())
		body := answers[0]
		answers = answers[1:]
		status := http.StatusOK
		if body == "" {
			status = http.StatusBadGateway
		}
		return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(body)), Header: http.Header{}}, nil
	})}

	rate, err := exampleapp.ExchangeRates{BaseURL: "https://rates.example", Retries: 2, Client: client}.Rate(context.Background(), "EUR", "USD")

	if err != nil || rate != 1.0842 {
		t.Fatalf("rate %v (%v)", rate, err)
	}
	want := []string{"https://rates.example/rates/EUR?symbols=USD", "https://rates.example/rates/EUR?symbols=USD"}
	if !reflect.DeepEqual(seen, want) {
		t.Fatalf("requests %v", seen)
	}
}
