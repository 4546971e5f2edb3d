// Managed by integration-harness: `copier update` rewrites this file.

package harness

// E-mail capture helpers (MailDev): SMTPURL, Mailbox.
//
// The code under test sends real SMTP to a capture server (TEST_SMTP_URL) that
// delivers nothing; tests read what arrived through its API (TEST_MAILDEV_URL).
//
// Isolation: the capture server is shared by every test binary and run, and never
// emptied as a whole. Each test sends to addresses of its own
// (mailbox.Address("ada")), reads only the messages for them, and deletes those
// after the test.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

var (
	mailTitle      = catalogueTitle("mail")
	mailURLVar     = catalogueURLVar("mail")
	mailSMTPURLVar = catalogueService("mail").AlsoURLVars[0]
)

func init() {
	register("mail", module{guard: mailGuard, probe: mailProbe})
}

func mailGuard(raw string, settings *Settings) error {
	parsed, err := url.Parse(raw)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https" && parsed.Scheme != "smtp") {
		return fmt.Errorf("%s / %s: unexpected URL %s", mailURLVar, mailSMTPURLVar, Redact(raw))
	}
	return EnsureDisposable(mailTitle, raw, []string{parsed.Hostname()}, settings.AllowedHosts())
}

func mailGet(ctx context.Context, address string, into any) error {
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, address, nil)
	if err != nil {
		return err
	}
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return err
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		return &Misconfigured{fmt.Errorf("HTTP %d from %s: is this MailDev?", response.StatusCode, address)}
	}
	if into != nil {
		return json.NewDecoder(response.Body).Decode(into)
	}
	return nil
}

func mailProbe(ctx context.Context, raw string) (string, error) {
	if err := mailGet(ctx, strings.TrimRight(raw, "/")+"/healthz", nil); err != nil {
		return "", err
	}
	return mailTitle, nil
}

// MailAddress is a sender or recipient of a captured message.
type MailAddress struct {
	Address string `json:"address"`
	Name    string `json:"name"`
}

// CapturedMail is a message as MailDev's API gives it (the fields the examples use).
type CapturedMail struct {
	ID       string        `json:"id"`
	Subject  string        `json:"subject"`
	Text     string        `json:"text"`
	HTML     string        `json:"html"`
	Time     string        `json:"time"`
	From     []MailAddress `json:"from"`
	To       []MailAddress `json:"to"`
	Envelope struct {
		To []MailAddress `json:"to"`
	} `json:"envelope"`
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

// Messages are the messages captured for this test's addresses (To, Cc or Bcc), oldest first.
func (b *MailboxOfTest) Messages() ([]CapturedMail, error) {
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	var all []CapturedMail
	if err := mailGet(ctx, b.apiURL+"/email", &all); err != nil {
		return nil, err
	}
	marker := "+" + strings.ToLower(b.Tag) + "@"
	var mine []CapturedMail
	for _, mail := range all {
		for _, recipient := range mail.Envelope.To {
			if strings.Contains(strings.ToLower(recipient.Address), marker) {
				mine = append(mine, mail)
				break
			}
		}
	}
	sort.SliceStable(mine, func(i, j int) bool { return mine[i].Time < mine[j].Time })
	return mine, nil
}

// WaitFor is at least count messages for this test, waiting up to timeout; t fails otherwise.
func (b *MailboxOfTest) WaitFor(t testingTB, count int, timeout time.Duration) []CapturedMail {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		found, err := b.Messages()
		if err != nil {
			t.Fatal(err)
		}
		if len(found) >= count {
			return found
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d e-mails for *+%s@ arrived in %gs", len(found), count, b.Tag, timeout.Seconds())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// DeleteAll deletes the messages captured for this test's addresses.
func (b *MailboxOfTest) DeleteAll() error {
	mails, err := b.Messages()
	if err != nil {
		return err
	}
	for _, mail := range mails {
		request, err := http.NewRequest(http.MethodDelete, b.apiURL+"/email/"+url.PathEscape(mail.ID), nil)
		if err != nil {
			return err
		}
		response, err := http.DefaultClient.Do(request)
		if err != nil {
			return err
		}
		response.Body.Close()
	}
	return nil
}
