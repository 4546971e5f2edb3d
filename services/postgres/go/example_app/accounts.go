// Example component (delete me): accounts and their opening credit in PostgreSQL.

// Package exampleapp is example application code the example tests exercise (delete with them).
package exampleapp

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// ErrDuplicateEmail is returned when an account with this e-mail address exists already.
var ErrDuplicateEmail = errors.New("an account with this e-mail address exists already")

// ErrInvalidCredit is returned for a negative opening credit.
var ErrInvalidCredit = errors.New("an opening credit must not be negative")

const (
	uniqueViolation = "23505"
	checkViolation  = "23514"
)

// Account is one account.
type Account struct {
	ID          int64
	Email       string
	DisplayName string
}

// Querier is what the store needs: a pgx.Tx, *pgx.Conn or *pgxpool.Pool.
type Querier interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// AccountStore keeps accounts on a connection the caller owns (and commits, or not).
type AccountStore struct{ DB Querier }

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// atomic runs work in a nested transaction (a savepoint in the caller's): all of it or none.
func (s AccountStore) atomic(ctx context.Context, work func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.DB, work)
}

const columns = "id, email, display_name"

func scanAccount(row pgx.Row) (*Account, error) {
	var account Account
	if err := row.Scan(&account.ID, &account.Email, &account.DisplayName); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	return &account, nil
}

func create(ctx context.Context, db Querier, email, displayName string) (*Account, error) {
	account, err := scanAccount(db.QueryRow(ctx,
		"INSERT INTO accounts (email, display_name) VALUES ($1, $2) RETURNING "+columns,
		strings.ToLower(email), displayName))
	if sqlState(err) == uniqueViolation {
		return nil, fmt.Errorf("%w: %s", ErrDuplicateEmail, email)
	}
	return account, err
}

// Create stores a new account; ErrDuplicateEmail if the address is taken (any case).
func (s AccountStore) Create(ctx context.Context, email, displayName string) (*Account, error) {
	var account *Account
	err := s.atomic(ctx, func(tx pgx.Tx) (err error) {
		account, err = create(ctx, tx, email, displayName)
		return err
	})
	return account, err
}

// FindByEmail is the account with this address (any case), or nil.
func (s AccountStore) FindByEmail(ctx context.Context, email string) (*Account, error) {
	return scanAccount(s.DB.QueryRow(ctx, "SELECT "+columns+" FROM accounts WHERE email = $1", strings.ToLower(email)))
}

// Get is the account with this id, or nil.
func (s AccountStore) Get(ctx context.Context, id int64) (*Account, error) {
	return scanAccount(s.DB.QueryRow(ctx, "SELECT "+columns+" FROM accounts WHERE id = $1", id))
}

// Page is up to limit accounts with ids above after, in id order (keyset paging).
func (s AccountStore) Page(ctx context.Context, after int64, limit int) ([]Account, error) {
	rows, err := s.DB.Query(ctx, "SELECT "+columns+" FROM accounts WHERE id > $1 ORDER BY id LIMIT $2", after, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Account, error) {
		var account Account
		err := row.Scan(&account.ID, &account.Email, &account.DisplayName)
		return account, err
	})
}

// OpenWithCredit creates the account and its opening credit together: both or neither.
func (s AccountStore) OpenWithCredit(ctx context.Context, email, displayName string, credit int) (*Account, error) {
	var account *Account
	err := s.atomic(ctx, func(tx pgx.Tx) (err error) {
		if account, err = create(ctx, tx, email, displayName); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO credits (account_id, amount) VALUES ($1, $2)", account.ID, credit)
		return err
	})
	if sqlState(err) == checkViolation {
		return nil, fmt.Errorf("%w: %d", ErrInvalidCredit, credit)
	}
	if err != nil {
		return nil, err
	}
	return account, nil
}

// Balance is the sum of the account's credits.
func (s AccountStore) Balance(ctx context.Context, accountID int64) (int64, error) {
	var total int64
	err := s.DB.QueryRow(ctx, "SELECT coalesce(sum(amount), 0) FROM credits WHERE account_id = $1", accountID).Scan(&total)
	return total, err
}

// Register is an application-style entry point: its own connection, committed on success.
func Register(ctx context.Context, databaseURL, email, displayName string) (*Account, error) {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	var account *Account
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) (err error) {
		account, err = create(ctx, tx, email, displayName)
		return err
	})
	return account, err
}
