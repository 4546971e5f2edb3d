// Package factories makes test data for the example models (yours: extend it; `copier
// update` never changes it). A factory saves a valid row with values no other test or
// worker uses, so a test states only what it is about.
//
// Example factory (delete with example_app/, or extend it): accounts. Plain Go, no
// library: functional options cover the few fields, and the values that must not
// collide come from the harness's UniqueTestName (test binary, time stamp, random
// part), which a random-data library cannot promise.
package factories

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"testing"

	exampleapp "integration/example_app"
	"integration/harness"
)

var sequence atomic.Int64

// AccountOption sets one field of the account a factory saves.
type AccountOption func(*exampleapp.Account)

// Email sets the account's e-mail address (default: a UniqueEmail per account).
func Email(email string) AccountOption {
	return func(account *exampleapp.Account) { account.Email = email }
}

// DisplayName sets the account's display name (default: "Test Person N").
func DisplayName(name string) AccountOption {
	return func(account *exampleapp.Account) { account.DisplayName = name }
}

// UniqueEmail is an e-mail address no other test or worker uses (test-<worker>-account-...@example.test).
func UniqueEmail() string {
	return harness.UniqueTestName("UniqueEmail", "account", "-") + "@example.test"
}

// Conn is what a factory saves on: harness.DB(t)'s *sql.Tx (rolled back after the test)
// or harness.CleanDB(t)'s *sql.DB (committed, emptied before and after).
type Conn interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Account saves one account through the example's AccountStore on db (on a *sql.DB in a
// transaction of its own, committed). It returns the account as stored; the test fails
// on error.
func Account(t testing.TB, db Conn, options ...AccountOption) *exampleapp.Account {
	t.Helper()
	wanted := exampleapp.Account{
		Email:       UniqueEmail(),
		DisplayName: fmt.Sprintf("Test Person %d", sequence.Add(1)),
	}
	for _, option := range options {
		option(&wanted)
	}
	account, err := save(context.Background(), db, wanted)
	if err != nil {
		t.Fatalf("factories.Account: %v", err)
	}
	return account
}

func save(ctx context.Context, db Conn, wanted exampleapp.Account) (*exampleapp.Account, error) {
	switch db := db.(type) {
	case *sql.Tx:
		return (exampleapp.AccountStore{Tx: db}).Create(ctx, wanted.Email, wanted.DisplayName)
	case *sql.DB:
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		account, err := (exampleapp.AccountStore{Tx: tx}).Create(ctx, wanted.Email, wanted.DisplayName)
		if err != nil {
			return nil, err
		}
		return account, tx.Commit()
	default:
		return nil, fmt.Errorf("save on a %T: want harness.DB(t)'s *sql.Tx or harness.CleanDB(t)'s *sql.DB", db)
	}
}

// Accounts saves n accounts, each with its own e-mail address unless an option sets one.
func Accounts(t testing.TB, db Conn, n int, options ...AccountOption) []exampleapp.Account {
	t.Helper()
	accounts := make([]exampleapp.Account, 0, n)
	for range n {
		accounts = append(accounts, *Account(t, db, options...))
	}
	return accounts
}
