// Example component (delete me): the welcome e-mail, sent over real SMTP.

package exampleapp

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// Sender is who the welcome mail comes from.
const Sender = "Example App <hello@example.com>"

// ErrInvalidRecipient is not an e-mail address we can send to.
var ErrInvalidRecipient = errors.New("invalid recipient")

// ErrMailNotSent means the mail server could not be reached or refused the message.
var ErrMailNotSent = errors.New("mail not sent")

// SendWelcome sends the welcome mail to to through the server at smtp://host:port.
func SendWelcome(smtpURL, to, name string, timeout time.Duration) error {
	recipient, err := mail.ParseAddress(to)
	if err != nil || recipient.Name != "" || strings.ContainsAny(to, " <>") {
		return fmt.Errorf("%w: %s", ErrInvalidRecipient, to)
	}
	server, err := url.Parse(smtpURL)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrMailNotSent, err)
	}
	port := server.Port()
	if port == "" {
		port = "25"
	}
	if err := send(net.JoinHostPort(server.Hostname(), port), recipient.Address, name, timeout); err != nil {
		return fmt.Errorf("%w: welcome mail to %s: %v", ErrMailNotSent, to, err)
	}
	return nil
}

func send(address, to, name string, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", address, timeout)
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	host, _, _ := net.SplitHostPort(address)
	client, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer client.Close()
	from, _ := mail.ParseAddress(Sender)
	if err := client.Mail(from.Address); err != nil {
		return err
	}
	if err := client.Rcpt(to); err != nil {
		return err
	}
	body, err := client.Data()
	if err != nil {
		return err
	}
	boundary := "welcome-boundary"
	message := strings.Join([]string{
		"From: " + Sender,
		"To: " + to,
		"Subject: Welcome, " + name + "!",
		"MIME-Version: 1.0",
		"Content-Type: multipart/alternative; boundary=" + boundary,
		"",
		"--" + boundary,
		"Content-Type: text/plain; charset=utf-8",
		"",
		"Hello " + name + ",",
		"",
		"your account is ready.",
		"--" + boundary,
		"Content-Type: text/html; charset=utf-8",
		"",
		"<p>Hello " + name + ",</p><p>your account is ready.</p>",
		"--" + boundary + "--",
		"",
	}, "\r\n")
	if _, err := body.Write([]byte(message)); err != nil {
		return err
	}
	if err := body.Close(); err != nil {
		return err
	}
	return client.Quit()
}
