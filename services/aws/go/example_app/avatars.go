// Example component (delete me): user avatars in S3-compatible object storage.

package exampleapp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// MaxAvatarBytes is the largest avatar accepted.
const MaxAvatarBytes = 512 * 1024

var avatarTypes = map[string]bool{"image/png": true, "image/jpeg": true}

// ErrRejectedUpload is returned for a file that is not an accepted image, or is too large.
var ErrRejectedUpload = errors.New("rejected upload")

// ErrCorruptAvatar is returned when a stored avatar does not match its checksum.
var ErrCorruptAvatar = errors.New("corrupt avatar")

// Avatar is a stored avatar's bytes and content type.
type Avatar struct {
	Data        []byte
	ContentType string
}

// AvatarStore keeps avatars under avatars/<user id> in one bucket, with their checksum.
type AvatarStore struct {
	S3     *s3.Client
	Bucket string
}

// AvatarKey is the object key of a user's avatar.
func AvatarKey(userID int) string { return fmt.Sprintf("avatars/%d", userID) }

func avatarChecksum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Upload stores the avatar (replacing any earlier one); its key.
func (s AvatarStore) Upload(ctx context.Context, userID int, data []byte, contentType string) (string, error) {
	if !avatarTypes[contentType] {
		return "", fmt.Errorf("%w: %s is not an accepted image type", ErrRejectedUpload, contentType)
	}
	if len(data) > MaxAvatarBytes {
		return "", fmt.Errorf("%w: %d bytes is over the %d limit", ErrRejectedUpload, len(data), MaxAvatarBytes)
	}
	_, err := s.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(s.Bucket),
		Key:         aws.String(AvatarKey(userID)),
		Body:        bytes.NewReader(data),
		ContentType: aws.String(contentType),
		Metadata:    map[string]string{"sha256": avatarChecksum(data)},
	})
	if err != nil {
		return "", err
	}
	return AvatarKey(userID), nil
}

// Download is the user's avatar, or nil if they have none.
func (s AvatarStore) Download(ctx context.Context, userID int) (*Avatar, error) {
	response, err := s.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(AvatarKey(userID))})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	data, err := io.ReadAll(response.Body)
	if err != nil {
		return nil, err
	}
	if response.Metadata["sha256"] != avatarChecksum(data) {
		return nil, fmt.Errorf("%w: avatar of user %d", ErrCorruptAvatar, userID)
	}
	return &Avatar{Data: data, ContentType: aws.ToString(response.ContentType)}, nil
}

// ShareLink is a URL anyone can download the avatar from until it expires.
func (s AvatarStore) ShareLink(ctx context.Context, userID int, expires time.Duration) (string, error) {
	request, err := s3.NewPresignClient(s.S3).PresignGetObject(ctx,
		&s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(AvatarKey(userID))},
		s3.WithPresignExpires(expires))
	if err != nil {
		return "", err
	}
	return request.URL, nil
}
