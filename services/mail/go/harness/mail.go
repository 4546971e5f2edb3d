// Managed by integration-harness: `copier update` rewrites this file.

package harness

// E-mail capture helpers (Mailpit): SMTPURL, Mailbox.
//
// The code under test sends real SMTP to a capture server (TEST_SMTP_URL) that
// delivers nothing; tests read what arrived through its REST API (TEST_MAILPIT_URL):
// a search for the test's addresses, then each message.
//
// Isolation: the capture server is shared by every test binary and run, and never
// emptied as a whole. Each test sends to addresses of its own
// (mailbox.Address("ada")), reads only the messages for them, and deletes those
// after the test by their IDs (Mailpit deletes every message when asked to delete
// none: never done here).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

var (
	mailTitle      = catalogueTitle("mail")
	mailURLVar     = catalogueURLVar("mail")
	mailSMTPURLVar = catalogueService("mail").AlsoURLVars[0]
	// mailRenamed are the settings of the MailDev this replaced (integration-harness
	// 0.4.0 and before), with their new names.
	mailRenamed = [][2]string{
		{"TEST_MAILDEV_URL", mailURLVar},
		{"TEST_MAILDEV_PORT", "TEST_MAILPIT_PORT"},
	}
)

func init() {
	register("mail", module{guard: mailGuard, probe: mailProbe})
}

func mailGuard(raw string, settings *Settings) error {
	for _, renamed := range mailRenamed {
		if settings.Get(renamed[0]) != "" {
			return fmt.Errorf("%s is set, but e-mail capture is Mailpit now: rename it %s (in .env.test.local or the environment)",
				renamed[0], renamed[1])
		}
	}
	parsed, err := url.Parse(raw)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https" && parsed.Scheme != "smtp") {
		return fmt.Errorf("%s / %s: unexpected URL %s", mailURLVar, mailSMTPURLVar, Redact(raw))
	}
	return EnsureDisposable(mailTitle, raw, []string{parsed.Hostname()}, settings.AllowedHosts())
}

// mailCall sends one API request; a status other than 200 is Misconfigured.
func mailCall(ctx context.Context, method, address string, body, into any) error {
	var payload *bytes.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			return err
		}
		payload = bytes.NewReader(encoded)
	} else {
		payload = bytes.NewReader(nil)
	}
	request, err := http.NewRequestWithContext(ctx, method, address, payload)
	if err != nil {
		return err
	}
	if body != nil {
		request.Header.Set("Content-Type", "application/json")
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		return &Misconfigured{fmt.Errorf("HTTP %d from %s %s: is this Mailpit?", response.StatusCode, method, address)}
	}
	if into != nil {
		return json.NewDecoder(response.Body).Decode(into)
	}
	return nil
}

func mailProbe(ctx context.Context, raw string) (string, error) {
	if err := mailCall(ctx, http.MethodGet, strings.TrimRight(raw, "/")+"/readyz", nil, nil); err != nil {
		return "", err
	}
	return mailTitle, nil
}

// MailAddress is a sender or recipient of a captured message.
type MailAddress struct {
	Address string `json:"address"`
	Name    string `json:"name"`
}

// CapturedMail is a captured message: the fields MailDev gave (so tests written for it
// keep working), and Mailpit, Mailpit's own JSON of the message.
type CapturedMail struct {
	ID          string            `json:"id"`
	Subject     string            `json:"subject"`
	Text        string            `json:"text"`
	HTML        string            `json:"html"`
	Time        string            `json:"time"`
	From        []MailAddress     `json:"from"`
	To          []MailAddress     `json:"to"`
	Cc          []MailAddress     `json:"cc"`
	Bcc         []MailAddress     `json:"bcc"`
	Attachments []json.RawMessage `json:"attachments"`
	// Envelope.To is every recipient (To, Cc and Bcc).
	Envelope struct {
		To []MailAddress `json:"to"`
	} `json:"envelope"`
	Mailpit json.RawMessage `json:"mailpit"`
}

type mailpitAddress struct {
	Name    string
	Address string
}

type mailpitSummary struct {
	ID      string
	Created string
	To      []mailpitAddress
	Cc      []mailpitAddress
	Bcc     []mailpitAddress
}

type mailpitMessage struct {
	ID          string
	Subject     string
	Text        string
	HTML        string
	From        *mailpitAddress
	To          []mailpitAddress
	Cc          []mailpitAddress
	Bcc         []mailpitAddress
	Attachments []json.RawMessage
}

func mailAddresses(list []mailpitAddress) []MailAddress {
	out := make([]MailAddress, 0, len(list))
	for _, a := range list {
		out = append(out, MailAddress{Address: a.Address, Name: a.Name})
	}
	return out
}

// MailboxOfTest holds addresses that only this test uses, and the messages captured for them.
type MailboxOfTest struct {
	apiURL string
	Tag    string
}

// SMTPURL is smtp://host:port of the capture server; give it to the code under test.
func SMTPURL(t testingTB) string {
	t.Helper()
	settings := settingsFor(t)
	raw, err := settings.URL(mailSMTPURLVar)
	if err == nil {
		err = mailGuard(raw, settings)
	}
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Mailbox gives this test unique recipient addresses and the messages captured for them,
// deleted after the test.
func Mailbox(t testingTB) *MailboxOfTest {
	t.Helper()
	apiURL := strings.TrimRight(serviceURL(t, "mail", mailURLVar), "/")
	box := &MailboxOfTest{apiURL: apiURL, Tag: UniqueTestName("Mailbox", "mail", "-")}
	t.Cleanup(func() {
		if err := box.DeleteAll(); err != nil {
			t.Errorf("integration-harness: deleting the captured mail of %s: %v", box.Tag, err)
		}
	})
	return box
}

// Address is a recipient address unique to this test, e.g. ada+test-p123-mail-...@example.com.
func (b *MailboxOfTest) Address(name string) string {
	return fmt.Sprintf("%s+%s@example.com", name, b.Tag)
}

// summaries are Mailpit's summaries of this test's messages (To, Cc or Bcc), oldest first.
func (b *MailboxOfTest) summaries(ctx context.Context) ([]mailpitSummary, error) {
	marker := "+" + strings.ToLower(b.Tag) + "@"
	query := url.Values{"query": {marker}, "limit": {"1000"}}
	var found struct{ Messages []mailpitSummary }
	if err := mailCall(ctx, http.MethodGet, b.apiURL+"/api/v1/search?"+query.Encode(), nil, &found); err != nil {
		return nil, err
	}
	var mine []mailpitSummary
	for i := len(found.Messages) - 1; i >= 0; i-- { // Mailpit lists the newest first
		summary := found.Messages[i]
	recipients:
		for _, list := range [][]mailpitAddress{summary.To, summary.Cc, summary.Bcc} {
			for _, recipient := range list {
				if strings.Contains(strings.ToLower(recipient.Address), marker) {
					mine = append(mine, summary)
					break recipients
				}
			}
		}
	}
	return mine, nil
}

func (b *MailboxOfTest) read(ctx context.Context, summary mailpitSummary) (CapturedMail, error) {
	var raw json.RawMessage
	if err := mailCall(ctx, http.MethodGet, b.apiURL+"/api/v1/message/"+url.PathEscape(summary.ID), nil, &raw); err != nil {
		return CapturedMail{}, err
	}
	var full mailpitMessage
	if err := json.Unmarshal(raw, &full); err != nil {
		return CapturedMail{}, err
	}
	mail := CapturedMail{
		ID: full.ID, Subject: full.Subject, Text: full.Text, HTML: full.HTML, Time: summary.Created,
		From: []MailAddress{}, To: mailAddresses(full.To), Cc: mailAddresses(full.Cc), Bcc: mailAddresses(full.Bcc),
		Attachments: full.Attachments, Mailpit: raw,
	}
	if full.From != nil {
		mail.From = mailAddresses([]mailpitAddress{*full.From})
	}
	mail.Envelope.To = append(append(append([]MailAddress{}, mail.To...), mail.Cc...), mail.Bcc...)
	return mail, nil
}

func (b *MailboxOfTest) readAll(ctx context.Context, summaries []mailpitSummary) ([]CapturedMail, error) {
	mails := make([]CapturedMail, 0, len(summaries))
	for _, summary := range summaries {
		mail, err := b.read(ctx, summary)
		if err != nil {
			return nil, err
		}
		mails = append(mails, mail)
	}
	return mails, nil
}

// Messages are the messages captured for this test's addresses (To, Cc or Bcc), oldest first.
func (b *MailboxOfTest) Messages() ([]CapturedMail, error) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	summaries, err := b.summaries(ctx)
	if err != nil {
		return nil, err
	}
	return b.readAll(ctx, summaries)
}

// WaitFor is at least count messages for this test, waiting up to timeout; t fails otherwise.
func (b *MailboxOfTest) WaitFor(t testingTB, count int, timeout time.Duration) []CapturedMail {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		found, err := b.summaries(ctx)
		var mails []CapturedMail
		if err == nil && len(found) >= count {
			mails, err = b.readAll(ctx, found)
		}
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if len(found) >= count {
			return mails
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d e-mails for *+%s@ arrived in %gs", len(found), count, b.Tag, timeout.Seconds())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// DeleteAll deletes the messages captured for this test's addresses by their IDs
// (never an empty list: Mailpit deletes every message then).
func (b *MailboxOfTest) DeleteAll() error {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	summaries, err := b.summaries(ctx)
	if err != nil || len(summaries) == 0 {
		return err
	}
	ids := make([]string, 0, len(summaries))
	for _, summary := range summaries {
		ids = append(ids, summary.ID)
	}
	return mailCall(ctx, http.MethodDelete, b.apiURL+"/api/v1/messages", map[string][]string{"IDs": ids}, nil)
}
