// Example tests (delete with example_app/): MySQL/MariaDB with harness.DB and harness.CleanDB.

package integration

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strings"
	"testing"

	exampleapp "integration/example_app"
	"integration/factories"
	"integration/harness"
)

func countAccounts(t *testing.T, db interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM accounts").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreatedAccountCanBeFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := exampleapp.AccountStore{Tx: harness.DB(t)}

	created, err := store.Create(ctx, "Ada@Example.com", "Ada")
	if err != nil {
		t.Fatal(err)
	}

	found, err := store.FindByEmail(ctx, "ada@example.com")
	if err != nil || found == nil || *found != *created {
		t.Fatalf("found %+v (%v), created %+v", found, err, created)
	}
	if created.Email != "ada@example.com" {
		t.Fatalf("email stored as %q", created.Email)
	}
}

func TestEveryTestStartsWithNoAccounts(t *testing.T) {
	t.Parallel()
	tx := harness.DB(t)

	if n := countAccounts(t, tx); n != 0 {
		t.Fatalf("%d accounts at the start", n)
	}
	factories.Account(t, tx) // rolled back after the test
}

func TestDuplicateEmailIsRefusedAndTheFirstAccountKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := harness.DB(t)
	store := exampleapp.AccountStore{Tx: tx}
	first := factories.Account(t, tx)

	_, err := store.Create(ctx, strings.ToUpper(first.Email), "Impostor")

	if !errors.Is(err, exampleapp.ErrDuplicateEmail) {
		t.Fatalf("error = %v, want ErrDuplicateEmail", err)
	}
	if found, _ := store.FindByEmail(ctx, first.Email); found == nil || *found != *first {
		t.Fatalf("first account not kept: %+v", found)
	}
	if n := countAccounts(t, tx); n != 1 {
		t.Fatalf("%d accounts", n)
	}
}

func TestFactoryAccountsHaveUniqueEmailsSoTwoCanBeCreated(t *testing.T) {
	t.Parallel()
	tx := harness.DB(t)

	two := factories.Accounts(t, tx, 2) // no ErrDuplicateEmail

	if two[0].Email == two[1].Email {
		t.Fatalf("both accounts have %q", two[0].Email)
	}
	page, err := (exampleapp.AccountStore{Tx: tx}).Page(context.Background(), 0, 20)
	if err != nil || !reflect.DeepEqual(page, two) {
		t.Fatalf("page %+v (%v), created %+v", page, err, two)
	}
}

func TestOpeningCreditIsStoredWithTheAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := exampleapp.AccountStore{Tx: harness.DB(t)}

	account, err := store.OpenWithCredit(ctx, "alan@example.com", "Alan", 50)
	if err != nil {
		t.Fatal(err)
	}

	if balance, err := store.Balance(ctx, account.ID); err != nil || balance != 50 {
		t.Fatalf("balance %d (%v)", balance, err)
	}
}

func TestNegativeCreditLeavesNoPartialAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := exampleapp.AccountStore{Tx: harness.DB(t)}

	email := factories.UniqueEmail()

	_, err := store.OpenWithCredit(ctx, email, "Edsger", -1)

	if !errors.Is(err, exampleapp.ErrInvalidCredit) {
		t.Fatalf("error = %v, want ErrInvalidCredit", err)
	}
	if found, err := store.FindByEmail(ctx, email); err != nil || found != nil {
		t.Fatalf("partial account left: %+v (%v)", found, err)
	}
}

func TestCodeThatCommitsIsCleanedUpByCleanDB(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := harness.CleanDB(t)
	if n := countAccounts(t, db); n != 0 {
		t.Fatalf("%d accounts at the start", n)
	}

	account, err := exampleapp.Register(ctx, db, "barbara@example.com", "Barbara")
	if err != nil {
		t.Fatal(err)
	}

	var email string
	if err := db.QueryRowContext(ctx, "SELECT email FROM accounts WHERE id = ?", account.ID).Scan(&email); err != nil || email != "barbara@example.com" {
		t.Fatalf("committed account not found: %q (%v)", email, err)
	}
}

func TestCleanDBStartsEmptyAfterACommittingTest(t *testing.T) {
	t.Parallel()
	db := harness.CleanDB(t)

	if _, err := exampleapp.Register(context.Background(), db, "barbara@example.com", "Barbara"); err != nil {
		t.Fatal(err) // no ErrDuplicateEmail: the other test's account is gone
	}

	if n := countAccounts(t, db); n != 1 {
		t.Fatalf("%d accounts", n)
	}
}

func TestFactorySavesOnCleanDBCommitted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := harness.CleanDB(t)

	account := factories.Account(t, db, factories.DisplayName("Margaret"))

	other, err := db.BeginTx(ctx, nil) // sees only committed rows
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback() //nolint:errcheck // read only
	found, err := (exampleapp.AccountStore{Tx: other}).Get(ctx, account.ID)
	if err != nil || found == nil || *found != *account {
		t.Fatalf("found %+v (%v), created %+v", found, err, account)
	}
}
