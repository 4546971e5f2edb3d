// Example tests (delete with example_app/): Stripe payments against stripe-mock.
//
// stripe-mock checks each request against Stripe's API schema and answers with
// Stripe's fixtures. It never declines a card, so the decline test gives the
// same client an in-process transport that answers with the error body Stripe
// documents for a declined card.

package integration

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stripe/stripe-go/v84"

	exampleapp "integration/example_app"
	"integration/harness"
)

const declined = `{"error": {"type": "card_error", "code": "card_declined",
  "decline_code": "insufficient_funds", "message": "Your card has insufficient funds."}}`

func TestPaymentIsCreatedForTheOrderAmount(t *testing.T) {
	t.Parallel()
	payments := exampleapp.CheckoutPayments{Stripe: harness.StripeClient(t)}

	payment, err := payments.Pay(context.Background(), "order-1", 2500, "EUR", "pm_card_visa")

	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(payment.ID, "pi_") || payment.Amount != 2500 || payment.Currency != "eur" {
		t.Fatalf("payment %+v", payment)
	}
}

func TestPaymentCanBeRefunded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	payments := exampleapp.CheckoutPayments{Stripe: harness.StripeClient(t)}
	payment, err := payments.Pay(ctx, "order-2", 990, "eur", "pm_card_visa")
	if err != nil {
		t.Fatal(err)
	}

	if status, err := payments.Refund(ctx, payment.ID); err != nil || status != "succeeded" {
		t.Fatalf("refund %q (%v)", status, err)
	}
}

func TestARequestTheAPISchemaRefusesIsAnError(t *testing.T) {
	t.Parallel()
	noAmount := &stripe.PaymentIntentCreateParams{Currency: stripe.String("eur")}

	_, err := harness.StripeClient(t).V1PaymentIntents.Create(context.Background(), noAmount)

	var stripeErr *stripe.Error
	if !errors.As(err, &stripeErr) || stripeErr.HTTPStatusCode != 400 {
		t.Fatalf("error = %v", err)
	}
}

func TestNonPositiveAmountNeverReachesTheAPI(t *testing.T) {
	t.Parallel()
	_, err := exampleapp.CheckoutPayments{Stripe: harness.StripeClient(t)}.Pay(context.Background(), "order-3", 0, "eur", "pm_card_visa")

	if !errors.Is(err, exampleapp.ErrInvalidAmount) {
		t.Fatalf("error = %v", err)
	}
}

// declining answers every request in process with Stripe's declined-card error.
type declining struct{ requests []*http.Request }

func (d *declining) RoundTrip(request *http.Request) (*http.Response, error) {
	d.requests = append(d.requests, request)
	return &http.Response{
		StatusCode: http.StatusPaymentRequired,
		Header:     http.Header{"Content-Type": []string{"application/json"}},
		Body:       io.NopCloser(strings.NewReader(declined)),
		Request:    request,
	}, nil
}

func TestDeclinedCardIsReportedWithItsReason(t *testing.T) {
	t.Parallel()
	transport := &declining{}
	client := harness.NewStripeClient("https://stripe.example", &http.Client{Transport: transport})

	_, err := exampleapp.CheckoutPayments{Stripe: client}.Pay(context.Background(), "order-4", 2500, "eur", "pm_card_chargeDeclined")

	var rejection *exampleapp.PaymentDeclined
	if !errors.As(err, &rejection) || rejection.DeclineCode != "insufficient_funds" ||
		!strings.Contains(rejection.Message, "insufficient funds") {
		t.Fatalf("error = %v", err)
	}
	if len(transport.requests) != 1 || transport.requests[0].Header.Get("Idempotency-Key") != "order-order-4" {
		t.Fatalf("requests %v", transport.requests)
	}
}
