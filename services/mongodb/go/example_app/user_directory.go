// Example component (delete me): a directory of users in MongoDB, one per e-mail address.

package exampleapp

import (
	"context"
	"errors"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// ErrEmailTaken is returned when a user with this e-mail address is registered already.
var ErrEmailTaken = errors.New("a user with this e-mail address is registered already")

// User is one registered user.
type User struct {
	ID    string
	Email string
	Name  string
}

type userDocument struct {
	ID    bson.ObjectID `bson:"_id,omitempty"`
	Email string        `bson:"email"`
	Name  string        `bson:"name"`
}

// UserDirectory keeps users in the "users" collection of a database the caller gives.
// The unique index on email is what refuses a second registration: two processes
// registering the same address at once cannot both succeed.
type UserDirectory struct {
	users *mongo.Collection
}

// OpenUserDirectory is a directory on db, its unique index created (a no-op when it exists).
func OpenUserDirectory(ctx context.Context, db *mongo.Database) (*UserDirectory, error) {
	users := db.Collection("users")
	_, err := users.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.M{"email": 1},
		Options: options.Index().SetUnique(true),
	})
	if err != nil {
		return nil, err
	}
	return &UserDirectory{users: users}, nil
}

func normalized(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Register stores a new user; ErrEmailTaken when the address is registered already.
func (d *UserDirectory) Register(ctx context.Context, email, name string) (User, error) {
	document := userDocument{Email: normalized(email), Name: name}
	result, err := d.users.InsertOne(ctx, document)
	if mongo.IsDuplicateKeyError(err) {
		return User{}, ErrEmailTaken
	}
	if err != nil {
		return User{}, err
	}
	id, _ := result.InsertedID.(bson.ObjectID)
	return User{ID: id.Hex(), Email: document.Email, Name: name}, nil
}

// FindByEmail is the user with this address, or nil.
func (d *UserDirectory) FindByEmail(ctx context.Context, email string) (*User, error) {
	var found userDocument
	err := d.users.FindOne(ctx, bson.M{"email": normalized(email)}).Decode(&found)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &User{ID: found.ID.Hex(), Email: found.Email, Name: found.Name}, nil
}

// Rename changes a user's name; false when no user has this address.
func (d *UserDirectory) Rename(ctx context.Context, email, name string) (bool, error) {
	result, err := d.users.UpdateOne(ctx, bson.M{"email": normalized(email)},
		bson.M{"$set": bson.M{"name": name}})
	if err != nil {
		return false, err
	}
	return result.MatchedCount == 1, nil
}
