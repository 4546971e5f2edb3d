// Example component (delete me): paying for an order with Stripe PaymentIntents.

package exampleapp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stripe/stripe-go/v84"
)

// PaymentDeclined is a declined card; DeclineCode says why (e.g. insufficient_funds).
type PaymentDeclined struct {
	DeclineCode string
	Message     string
}

func (e *PaymentDeclined) Error() string { return "payment declined: " + e.Message }

// ErrInvalidAmount is a non-positive amount: it never reaches the API.
var ErrInvalidAmount = errors.New("amount must be positive")

// Payment is a payment made.
type Payment struct {
	ID       string
	Amount   int64
	Currency string
	Status   string
}

// CheckoutPayments charges orders once each: the order id is the idempotency key.
type CheckoutPayments struct{ Stripe *stripe.Client }

// Pay charges amountCents for the order with the payment method.
func (p CheckoutPayments) Pay(ctx context.Context, orderID string, amountCents int64, currency, paymentMethod string) (*Payment, error) {
	if amountCents <= 0 {
		return nil, fmt.Errorf("%w, not %d", ErrInvalidAmount, amountCents)
	}
	params := &stripe.PaymentIntentCreateParams{
		Amount:        stripe.Int64(amountCents),
		Currency:      stripe.String(strings.ToLower(currency)),
		PaymentMethod: stripe.String(paymentMethod),
		Confirm:       stripe.Bool(true),
	}
	params.AddMetadata("order_id", orderID)
	params.SetIdempotencyKey("order-" + orderID)
	intent, err := p.Stripe.V1PaymentIntents.Create(ctx, params)
	var stripeErr *stripe.Error
	if errors.As(err, &stripeErr) && stripeErr.Type == stripe.ErrorTypeCard {
		return nil, &PaymentDeclined{DeclineCode: string(stripeErr.DeclineCode), Message: stripeErr.Msg}
	}
	if err != nil {
		return nil, err
	}
	return &Payment{ID: intent.ID, Amount: intent.Amount, Currency: string(intent.Currency), Status: string(intent.Status)}, nil
}

// Refund refunds the whole payment; the refund's status.
func (p CheckoutPayments) Refund(ctx context.Context, paymentID string) (string, error) {
	refund, err := p.Stripe.V1Refunds.Create(ctx, &stripe.RefundCreateParams{PaymentIntent: stripe.String(paymentID)})
	if err != nil {
		return "", err
	}
	return string(refund.Status), nil
}
