// Example component (delete me): accounts and their opening credit in MySQL or MariaDB.

// Package exampleapp is example application code the example tests exercise (delete with them).
package exampleapp

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/go-sql-driver/mysql"
)

// ErrDuplicateEmail is returned when an account with this e-mail address exists already.
var ErrDuplicateEmail = errors.New("an account with this e-mail address exists already")

// ErrInvalidCredit is returned for a negative opening credit.
var ErrInvalidCredit = errors.New("an opening credit must not be negative")

const (
	duplicateEntry       = 1062
	checkViolatedMySQL   = 3819
	checkViolatedMariaDB = 4025
)

var savepoints atomic.Int64

// Account is one account.
type Account struct {
	ID          int64
	Email       string
	DisplayName string
}

// AccountStore keeps accounts in a transaction the caller owns (and commits, or not).
type AccountStore struct{ Tx *sql.Tx }

func errorNumber(err error) uint16 {
	var mysqlErr *mysql.MySQLError
	if errors.As(err, &mysqlErr) {
		return mysqlErr.Number
	}
	return 0
}

// atomic runs work in a savepoint of the caller's transaction: all of it or none.
func (s AccountStore) atomic(ctx context.Context, work func() error) error {
	name := fmt.Sprintf("sp_%d", savepoints.Add(1))
	if _, err := s.Tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return err
	}
	if err := work(); err != nil {
		if _, undo := s.Tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); undo != nil {
			return errors.Join(err, undo)
		}
		return err
	}
	_, err := s.Tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name)
	return err
}

func (s AccountStore) insert(ctx context.Context, email, displayName string) (*Account, error) {
	result, err := s.Tx.ExecContext(ctx, "INSERT INTO accounts (email, display_name) VALUES (?, ?)",
		strings.ToLower(email), displayName)
	if errorNumber(err) == duplicateEntry {
		return nil, fmt.Errorf("%w: %s", ErrDuplicateEmail, email)
	}
	if err != nil {
		return nil, err
	}
	id, err := result.LastInsertId()
	return &Account{ID: id, Email: strings.ToLower(email), DisplayName: displayName}, err
}

// Create stores a new account; ErrDuplicateEmail if the address is taken (any case).
func (s AccountStore) Create(ctx context.Context, email, displayName string) (*Account, error) {
	var account *Account
	err := s.atomic(ctx, func() (err error) {
		account, err = s.insert(ctx, email, displayName)
		return err
	})
	return account, err
}

const columns = "id, email, display_name"

func scanAccount(row *sql.Row) (*Account, error) {
	var account Account
	err := row.Scan(&account.ID, &account.Email, &account.DisplayName)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &account, nil
}

// FindByEmail is the account with this address (any case), or nil.
func (s AccountStore) FindByEmail(ctx context.Context, email string) (*Account, error) {
	return scanAccount(s.Tx.QueryRowContext(ctx, "SELECT "+columns+" FROM accounts WHERE email = ?", strings.ToLower(email)))
}

// Get is the account with this id, or nil.
func (s AccountStore) Get(ctx context.Context, id int64) (*Account, error) {
	return scanAccount(s.Tx.QueryRowContext(ctx, "SELECT "+columns+" FROM accounts WHERE id = ?", id))
}

// Page is up to limit accounts with ids above after, in id order (keyset paging).
func (s AccountStore) Page(ctx context.Context, after int64, limit int) ([]Account, error) {
	rows, err := s.Tx.QueryContext(ctx, "SELECT "+columns+" FROM accounts WHERE id > ? ORDER BY id LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var accounts []Account
	for rows.Next() {
		var account Account
		if err := rows.Scan(&account.ID, &account.Email, &account.DisplayName); err != nil {
			return nil, err
		}
		accounts = append(accounts, account)
	}
	return accounts, rows.Err()
}

// OpenWithCredit creates the account and its opening credit together: both or neither.
func (s AccountStore) OpenWithCredit(ctx context.Context, email, displayName string, credit int) (*Account, error) {
	var account *Account
	err := s.atomic(ctx, func() (err error) {
		if account, err = s.insert(ctx, email, displayName); err != nil {
			return err
		}
		_, err = s.Tx.ExecContext(ctx, "INSERT INTO credits (account_id, amount) VALUES (?, ?)", account.ID, credit)
		return err
	})
	if number := errorNumber(err); number == checkViolatedMySQL || number == checkViolatedMariaDB {
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
	err := s.Tx.QueryRowContext(ctx, "SELECT coalesce(sum(amount), 0) FROM credits WHERE account_id = ?", accountID).Scan(&total)
	return total, err
}

// Register is an application-style entry point: its own transaction on db, committed on success.
func Register(ctx context.Context, db *sql.DB, email, displayName string) (*Account, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	account, err := AccountStore{Tx: tx}.Create(ctx, email, displayName)
	if err != nil {
		return nil, errors.Join(err, tx.Rollback())
	}
	return account, tx.Commit()
}
