// Example component (delete me): a client for a third-party exchange-rate API.
//
// It retries server errors and timeouts a bounded number of times, never waits
// longer than its timeout, and stops calling an API that keeps failing (a
// circuit breaker) until a cool-down has passed.

package exampleapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// ErrRatesUnavailable means the API did not give a usable answer (server errors, timeouts).
var ErrRatesUnavailable = errors.New("exchange rates unavailable")

// ErrCircuitOpen means too many failures in a row: failing fast without calling the API.
var ErrCircuitOpen = fmt.Errorf("%w: circuit open", ErrRatesUnavailable)

// ErrUnknownCurrency means the API does not know this currency (a 404: not worth retrying).
var ErrUnknownCurrency = errors.New("unknown currency")

// CircuitBreaker opens after Threshold failed calls in a row; lets one call try after CoolDown.
type CircuitBreaker struct {
	Threshold int
	CoolDown  time.Duration
	mu        sync.Mutex
	failures  int
	openedAt  time.Time
}

func (b *CircuitBreaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.openedAt.IsZero() || time.Since(b.openedAt) >= b.CoolDown
}

func (b *CircuitBreaker) succeeded() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures, b.openedAt = 0, time.Time{}
}

func (b *CircuitBreaker) failed() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.failures >= max(b.Threshold, 1) {
		b.openedAt = time.Now()
	}
}

// ExchangeRates reads rates from GET <BaseURL>/rates/<base>?symbols=<quote>.
type ExchangeRates struct {
	BaseURL string
	Timeout time.Duration // per try; 2 s when 0
	Retries int           // tries after the first
	Backoff time.Duration // before the second try, doubled after each
	Breaker *CircuitBreaker
	Client  *http.Client // http.DefaultClient when nil; a test may give one with an in-process Transport
}

// Rate is how many quote one base buys.
func (r ExchangeRates) Rate(ctx context.Context, base, quote string) (float64, error) {
	if r.Breaker != nil && !r.Breaker.allow() {
		return 0, fmt.Errorf("%w; not calling it for %s", ErrCircuitOpen, base)
	}
	client := r.Client
	if client == nil {
		client = http.DefaultClient
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	problem := ""
	for attempt := 0; attempt <= r.Retries; attempt++ {
		if attempt > 0 {
			time.Sleep(r.Backoff << (attempt - 1))
		}
		status, body, err := r.get(ctx, client, timeout, fmt.Sprintf("%s/rates/%s?symbols=%s", r.BaseURL, base, quote))
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			problem = "timed out"
			continue
		case err != nil:
			return 0, err
		case status == http.StatusNotFound:
			if r.Breaker != nil {
				r.Breaker.succeeded() // the API works; the currency is unknown
			}
			return 0, fmt.Errorf("%w: %s", ErrUnknownCurrency, base)
		case status >= 500:
			problem = fmt.Sprintf("HTTP %d", status)
			continue
		case status != http.StatusOK:
			return 0, fmt.Errorf("exchange-rate API: HTTP %d", status)
		}
		var answer struct {
			Rates map[string]float64 `json:"rates"`
		}
		if err := json.Unmarshal(body, &answer); err != nil {
			return 0, err
		}
		if r.Breaker != nil {
			r.Breaker.succeeded()
		}
		return answer.Rates[quote], nil
	}
	if r.Breaker != nil {
		r.Breaker.failed()
	}
	return 0, fmt.Errorf("%w: %s/%s: %s after %d tries", ErrRatesUnavailable, base, quote, problem, r.Retries+1)
}

func (r ExchangeRates) get(ctx context.Context, client *http.Client, timeout time.Duration, address string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
	if err != nil {
		return 0, nil, err
	}
	request.Header.Set("Accept", "application/json")
	response, err := client.Do(request)
	if err != nil {
		return 0, nil, err
	}
	defer response.Body.Close()
	var body json.RawMessage
	if response.StatusCode == http.StatusOK {
		if err := json.NewDecoder(response.Body).Decode(&body); err != nil {
			return 0, nil, err
		}
	}
	return response.StatusCode, body, nil
}
