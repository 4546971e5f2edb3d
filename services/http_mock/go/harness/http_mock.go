// Managed by integration-harness: `copier update` rewrites this file.

package harness

// HTTP API mock helpers (WireMock): HTTPMockURL, HTTPMock.
//
// The code under test makes real HTTP requests to a real WireMock server, which
// answers with the stubs a test sets up and records what it received.
//
// Isolation: WireMock is one server shared by every test binary and run, so
// nothing is ever reset globally. Each test gets a path prefix of its own
// (/test-p<pid>-api-<random>, in BaseURL); after the test its stubs, scenarios
// and recorded requests are removed.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

var (
	httpMockTitle  = catalogueTitle("http_mock")
	httpMockURLVar = catalogueURLVar("http_mock")
)

func init() {
	register("http_mock", module{guard: httpMockGuard, probe: httpMockProbe})
}

func httpMockGuard(raw string, settings *Settings) error {
	parsed, err := url.Parse(raw)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") {
		return fmt.Errorf("%s must be an http:// URL, not %s", httpMockURLVar, Redact(raw))
	}
	return EnsureDisposable(httpMockTitle, raw, []string{parsed.Hostname()}, settings.AllowedHosts())
}

func httpMockProbe(ctx context.Context, raw string) (string, error) {
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(raw, "/")+"/__admin/health", nil)
	if err != nil {
		return "", &Misconfigured{err}
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return "", err
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		return "", &Misconfigured{fmt.Errorf("HTTP %d from %s/__admin/health: is this WireMock?", response.StatusCode, raw)}
	}
	var health struct {
		Version string `json:"version"`
	}
	_ = json.NewDecoder(response.Body).Decode(&health)
	return strings.TrimSpace(httpMockTitle + " " + health.Version), nil
}

// StubResponse is what a stub answers.
type StubResponse struct {
	Status   int               // 200 when 0
	JSONBody any               // sent as JSON (Content-Type application/json)
	Body     string            // sent as is, when JSONBody is nil
	Headers  map[string]string // extra response headers
	Delay    time.Duration     // answer only after this long
}

// RecordedRequest is a request WireMock received.
type RecordedRequest struct {
	Method     string            `json:"method"`
	URL        string            `json:"url"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
	LoggedDate int64             `json:"loggedDate"`
}

// HTTPMockServer holds one test's stubs and recorded requests, under its own path prefix.
type HTTPMockServer struct {
	serverURL string
	TestID    string
	Prefix    string
	// BaseURL is what to give the client under test instead of the real API's URL.
	BaseURL string
}

// HTTPMockURL is the URL of a ready WireMock server (TEST_HTTP_MOCK_URL).
func HTTPMockURL(t testingTB) string {
	t.Helper()
	return strings.TrimRight(serviceURL(t, "http_mock", httpMockURLVar), "/")
}

// HTTPMock is a WireMock helper with a base URL of this test's own; its stubs and
// recorded requests are removed after the test.
func HTTPMock(t testingTB) *HTTPMockServer {
	t.Helper()
	serverURL := HTTPMockURL(t)
	id := UniqueTestName("HTTPMock", "api", "-")
	mock := &HTTPMockServer{serverURL: serverURL, TestID: id, Prefix: "/" + id, BaseURL: serverURL + "/" + id}
	t.Cleanup(func() {
		if err := httpMockGuard(serverURL, settingsFor(t)); err != nil {
			t.Error(err)
			return
		}
		if err := mock.RemoveAll(); err != nil {
			t.Errorf("integration-harness: removing the WireMock stubs of %s: %v", id, err)
		}
	})
	return mock
}

func (m *HTTPMockServer) admin(path string, body any, into any) error {
	encoded, err := json.Marshal(body)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, m.serverURL+"/__admin"+path, bytes.NewReader(encoded))
	if err != nil {
		return err
	}
	request.Header.Set("Content-Type", "application/json")
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	text, _ := io.ReadAll(response.Body)
	if response.StatusCode >= 300 {
		return fmt.Errorf("WireMock %s: HTTP %d %s", path, response.StatusCode, text)
	}
	if into != nil {
		return json.Unmarshal(text, into)
	}
	return nil
}

func (m *HTTPMockServer) add(method, path string, response StubResponse, query map[string]string, extra map[string]any) error {
	request := map[string]any{"method": method, "urlPath": m.Prefix + path}
	if len(query) > 0 {
		parameters := map[string]any{}
		for name, value := range query {
			parameters[name] = map[string]string{"equalTo": value}
		}
		request["queryParameters"] = parameters
	}
	status := response.Status
	if status == 0 {
		status = http.StatusOK
	}
	headers := map[string]string{}
	for name, value := range response.Headers {
		headers[name] = value
	}
	answer := map[string]any{"status": status, "headers": headers}
	if response.JSONBody != nil {
		body, err := json.Marshal(response.JSONBody)
		if err != nil {
			return err
		}
		answer["body"] = string(body)
		if _, set := headers["Content-Type"]; !set {
			headers["Content-Type"] = "application/json"
		}
	} else if response.Body != "" {
		answer["body"] = response.Body
	}
	if response.Delay > 0 {
		answer["fixedDelayMilliseconds"] = response.Delay.Milliseconds()
	}
	mapping := map[string]any{
		"request":  request,
		"response": answer,
		"metadata": map[string]string{"integration_harness": m.TestID},
	}
	for name, value := range extra {
		mapping[name] = value
	}
	return m.admin("/mappings", mapping, nil)
}

// Stub answers method path (under BaseURL) with response, every time; query, if given, must match.
func (m *HTTPMockServer) Stub(method, path string, response StubResponse, query map[string]string) error {
	return m.add(method, path, response, query, nil)
}

// StubSequence answers successive calls with responses in order; the last one repeats.
func (m *HTTPMockServer) StubSequence(method, path string, responses ...StubResponse) error {
	scenario := fmt.Sprintf("%s %s %s", m.TestID, method, path)
	for index, response := range responses {
		extra := map[string]any{"scenarioName": scenario, "requiredScenarioState": "Started"}
		if index > 0 {
			extra["requiredScenarioState"] = fmt.Sprintf("step-%d", index)
		}
		if index < len(responses)-1 {
			extra["newScenarioState"] = fmt.Sprintf("step-%d", index+1)
		}
		if err := m.add(method, path, response, nil, extra); err != nil {
			return err
		}
	}
	return nil
}

// Requests are the requests WireMock received under BaseURL (path below it; "" for all), oldest first.
func (m *HTTPMockServer) Requests(method, path string) ([]RecordedRequest, error) {
	pattern := map[string]string{"urlPathPattern": m.Prefix + "/.*"}
	if path != "" {
		pattern = map[string]string{"urlPath": m.Prefix + path}
	}
	if method != "" {
		pattern["method"] = method
	}
	var found struct {
		Requests []RecordedRequest `json:"requests"`
	}
	if err := m.admin("/requests/find", pattern, &found); err != nil {
		return nil, err
	}
	sort.Slice(found.Requests, func(i, j int) bool { return found.Requests[i].LoggedDate < found.Requests[j].LoggedDate })
	return found.Requests, nil
}

// RemoveAll deletes this test's stubs (and so its scenarios) and its recorded requests.
func (m *HTTPMockServer) RemoveAll() error {
	err := m.admin("/mappings/remove-by-metadata", map[string]string{
		"matchesJsonPath": fmt.Sprintf("$[?(@.integration_harness == '%s')]", m.TestID),
	}, nil)
	if err != nil {
		return err
	}
	return m.admin("/requests/remove", map[string]string{"urlPathPattern": m.Prefix + "(/.*)?"}, nil)
}
