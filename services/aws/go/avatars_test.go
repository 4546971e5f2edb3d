// Example tests (delete with example_app/): S3 object storage (moto) with harness.MakeBucket.

package integration

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	exampleapp "integration/example_app"
	"integration/harness"
)

var avatarPNG = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat(everyByte(), 4)...)

func everyByte() []byte {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	return all
}

// avatarStore is an AvatarStore on a bucket of this test's own.
func avatarStore(t *testing.T) exampleapp.AvatarStore {
	t.Helper()
	return exampleapp.AvatarStore{S3: harness.S3Client(t), Bucket: harness.MakeBucket(t, "avatars")}
}

func uploadAvatar(t *testing.T, avatars exampleapp.AvatarStore, data []byte, contentType string) {
	t.Helper()
	if _, err := avatars.Upload(context.Background(), 7, data, contentType); err != nil {
		t.Fatal(err)
	}
}

func downloadAvatar(t *testing.T, avatars exampleapp.AvatarStore, userID int) *exampleapp.Avatar {
	t.Helper()
	avatar, err := avatars.Download(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return avatar
}

func TestUploadedAvatarDownloadsByteForByte(t *testing.T) {
	t.Parallel()
	avatars := avatarStore(t)

	uploadAvatar(t, avatars, avatarPNG, "image/png")

	if got := downloadAvatar(t, avatars, 7); got == nil || !bytes.Equal(got.Data, avatarPNG) || got.ContentType != "image/png" {
		t.Fatalf("downloaded %+v", got)
	}
}

func TestNewUploadReplacesTheOldOne(t *testing.T) {
	t.Parallel()
	avatars := avatarStore(t)
	jpeg := []byte("\xff\xd8\xff jpeg")

	uploadAvatar(t, avatars, avatarPNG, "image/png")
	uploadAvatar(t, avatars, jpeg, "image/jpeg")

	if got := downloadAvatar(t, avatars, 7); got == nil || !bytes.Equal(got.Data, jpeg) || got.ContentType != "image/jpeg" {
		t.Fatalf("downloaded %+v", got)
	}
}

func TestUserWithoutAvatarGetsNone(t *testing.T) {
	t.Parallel()

	if got := downloadAvatar(t, avatarStore(t), 404); got != nil {
		t.Fatalf("downloaded %+v", got)
	}
}

func TestRejectedUploadStoresNothing(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, contentType string
		data              []byte
	}{
		{"wrong-type", "image/svg+xml", []byte("<svg/>")},
		{"too-large", "image/png", make([]byte, exampleapp.MaxAvatarBytes+1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			avatars := avatarStore(t)

			_, err := avatars.Upload(context.Background(), 7, c.data, c.contentType)

			if !errors.Is(err, exampleapp.ErrRejectedUpload) {
				t.Fatalf("error = %v, want ErrRejectedUpload", err)
			}
			if got := downloadAvatar(t, avatars, 7); got != nil {
				t.Fatalf("stored anyway: %d bytes", len(got.Data))
			}
		})
	}
}

func TestTamperedAvatarIsReportedCorrupt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	avatars := avatarStore(t)
	uploadAvatar(t, avatars, avatarPNG, "image/png")
	// Someone overwrites the object behind the store's back, keeping the old checksum.
	if _, err := avatars.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(avatars.Bucket), Key: aws.String(exampleapp.AvatarKey(7)),
		Body: bytes.NewReader([]byte("not the avatar")), Metadata: map[string]string{"sha256": "0000"},
	}); err != nil {
		t.Fatal(err)
	}

	got, err := avatars.Download(ctx, 7)

	if !errors.Is(err, exampleapp.ErrCorruptAvatar) || got != nil {
		t.Fatalf("downloaded %+v, error = %v, want ErrCorruptAvatar", got, err)
	}
}

func TestShareLinkServesTheAvatarOverHTTP(t *testing.T) {
	t.Parallel()
	avatars := avatarStore(t)
	uploadAvatar(t, avatars, avatarPNG, "image/png")

	link, err := avatars.ShareLink(context.Background(), 7, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	response, err := client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)

	if err != nil || response.StatusCode != http.StatusOK || !bytes.Equal(body, avatarPNG) {
		t.Fatalf("HTTP %d, %d bytes (%v)", response.StatusCode, len(body), err)
	}
	if contentType := response.Header.Get("Content-Type"); contentType != "image/png" {
		t.Fatalf("Content-Type %q", contentType)
	}
}
