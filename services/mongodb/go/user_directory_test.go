// Example tests (delete with example_app/): MongoDB with harness.MongoDB.

package integration

import (
	"context"
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	exampleapp "integration/example_app"
	"integration/harness"
)

func openDirectory(t *testing.T, db *mongo.Database) *exampleapp.UserDirectory {
	t.Helper()
	directory, err := exampleapp.OpenUserDirectory(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return directory
}

func countUsers(t *testing.T, db *mongo.Database) int64 {
	t.Helper()
	n, err := db.Collection("users").CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRegisteredUserCanBeFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	directory := openDirectory(t, harness.MongoDB(t))

	registered, err := directory.Register(ctx, "Ada@Example.com", "Ada")
	if err != nil {
		t.Fatal(err)
	}

	found, err := directory.FindByEmail(ctx, "ada@example.com")
	if err != nil || found == nil || *found != registered || registered.Email != "ada@example.com" {
		t.Fatalf("found %v (%v), registered %v", found, err, registered)
	}
}

func TestEveryTestStartsWithNoUsers(t *testing.T) {
	t.Parallel()
	db := harness.MongoDB(t)
	if n := countUsers(t, db); n != 0 {
		t.Fatalf("%d users at the start", n)
	}
	if _, err := openDirectory(t, db).Register(context.Background(), "left@example.com", "Left behind?"); err != nil {
		t.Fatal(err) // emptied after the test
	}
}

func TestATakenEmailIsRefusedAndTheFirstUserKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := harness.MongoDB(t)
	directory := openDirectory(t, db)
	first, err := directory.Register(ctx, "grace@example.com", "Grace")
	if err != nil {
		t.Fatal(err)
	}

	if _, err := directory.Register(ctx, "GRACE@example.com ", "Impostor"); !errors.Is(err, exampleapp.ErrEmailTaken) {
		t.Fatalf("got %v, want ErrEmailTaken", err)
	}

	found, err := directory.FindByEmail(ctx, "grace@example.com")
	if err != nil || found == nil || *found != first {
		t.Fatalf("found %v (%v)", found, err)
	}
	if n := countUsers(t, db); n != 1 {
		t.Fatalf("%d users", n)
	}
}

func TestTheUniqueIndexOutlivesTheCleanup(t *testing.T) {
	t.Parallel()
	db := harness.MongoDB(t)
	openDirectory(t, db)

	specs, err := db.Collection("users").Indexes().ListSpecifications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var unique []string
	for _, spec := range specs {
		if spec.Unique != nil && *spec.Unique {
			unique = append(unique, spec.Name)
		}
	}
	if len(unique) != 1 || unique[0] != "email_1" {
		t.Fatalf("unique indexes %v", unique)
	}
}

func TestRenamingAnUnknownUserChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	directory := openDirectory(t, harness.MongoDB(t))
	if _, err := directory.Register(ctx, "alan@example.com", "Alan"); err != nil {
		t.Fatal(err)
	}

	if renamed, err := directory.Rename(ctx, "nobody@example.com", "Nobody"); err != nil || renamed {
		t.Fatalf("renamed %v (%v)", renamed, err)
	}
	if renamed, err := directory.Rename(ctx, "alan@example.com", "Alan T."); err != nil || !renamed {
		t.Fatalf("renamed %v (%v)", renamed, err)
	}
	if found, err := directory.FindByEmail(ctx, "alan@example.com"); err != nil || found == nil || found.Name != "Alan T." {
		t.Fatalf("found %v (%v)", found, err)
	}
}

func TestCodeWithItsOwnClientIsCleanedUpToo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := harness.MongoDB(t)
	client, err := mongo.Connect(options.Client().ApplyURI(harness.MongoDBURL(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	directory := openDirectory(t, client.Database(db.Name()))
	if _, err := directory.Register(ctx, "barbara@example.com", "Barbara"); err != nil {
		t.Fatal(err)
	}

	if n := countUsers(t, db); n != 1 {
		t.Fatalf("%d users", n)
	}
}
