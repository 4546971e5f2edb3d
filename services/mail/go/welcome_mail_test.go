// Example tests (delete with example_app/): e-mail through a real SMTP capture server.

package integration

import (
	"errors"
	"strings"
	"testing"
	"time"

	exampleapp "integration/example_app"
	"integration/harness"
)

func TestWelcomeMailArrivesWithRecipientSubjectAndBody(t *testing.T) {
	t.Parallel()
	mailbox := harness.Mailbox(t)
	to := mailbox.Address("ada")

	if err := exampleapp.SendWelcome(harness.SMTPURL(t), to, "Ada", 5*time.Second); err != nil {
		t.Fatal(err)
	}

	mail := mailbox.WaitFor(t, 1, 5*time.Second)[0]
	if len(mail.To) != 1 || mail.To[0].Address != to {
		t.Fatalf("to %+v", mail.To)
	}
	if mail.Subject != "Welcome, Ada!" || !strings.Contains(mail.Text, "your account is ready") ||
		!strings.Contains(mail.HTML, "<p>Hello Ada,</p>") {
		t.Fatalf("mail %+v", mail)
	}
	if mail.From[0].Address != "hello@example.com" {
		t.Fatalf("from %+v", mail.From)
	}
}

func TestEachUserGetsOnlyTheirOwnMail(t *testing.T) {
	t.Parallel()
	mailbox := harness.Mailbox(t)
	ada, grace := mailbox.Address("ada"), mailbox.Address("grace")

	for to, name := range map[string]string{ada: "Ada", grace: "Grace"} {
		if err := exampleapp.SendWelcome(harness.SMTPURL(t), to, name, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}

	subjects := map[string]string{}
	for _, mail := range mailbox.WaitFor(t, 2, 5*time.Second) {
		subjects[mail.To[0].Address] = mail.Subject
	}
	if subjects[ada] != "Welcome, Ada!" || subjects[grace] != "Welcome, Grace!" || len(subjects) != 2 {
		t.Fatalf("subjects %v", subjects)
	}
}

func TestInvalidAddressSendsNothing(t *testing.T) {
	t.Parallel()
	mailbox := harness.Mailbox(t)

	err := exampleapp.SendWelcome(harness.SMTPURL(t), "not an address "+mailbox.Address("user"), "Nobody", 5*time.Second)

	if !errors.Is(err, exampleapp.ErrInvalidRecipient) {
		t.Fatalf("error = %v", err)
	}
	if found, err := mailbox.Messages(); err != nil || len(found) != 0 {
		t.Fatalf("%d messages (%v)", len(found), err)
	}
}

func TestUnreachableMailServerIsReported(t *testing.T) {
	t.Parallel()
	mailbox := harness.Mailbox(t)

	err := exampleapp.SendWelcome("smtp://127.0.0.1:1", mailbox.Address("user"), "Ada", 2*time.Second)

	if !errors.Is(err, exampleapp.ErrMailNotSent) {
		t.Fatalf("error = %v", err)
	}
	if found, err := mailbox.Messages(); err != nil || len(found) != 0 {
		t.Fatalf("%d messages (%v)", len(found), err)
	}
}
