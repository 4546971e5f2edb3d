package integration.exampleapp;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Example component (delete me): user avatars in S3-compatible object storage. */
public final class Avatars {
  /** The content types accepted. */
  public static final Set<String> ALLOWED_TYPES = Set.of("image/png", "image/jpeg");

  /** The largest avatar accepted, in bytes. */
  public static final int MAX_BYTES = 512 * 1024;

  private Avatars() {}

  /** The file is not an accepted image, or is too large. */
  public static final class RejectedUpload extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Why it was refused. */
    public RejectedUpload(String message) {
      super(message);
    }
  }

  /** An avatar's bytes and content type. */
  public record Avatar(byte[] data, String contentType) {}

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** Avatars under {@code avatars/<user id>} in one bucket, with their checksum. */
  public static final class AvatarStore {
    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;

    /** A store in {@code bucket}; {@code presigner} signs share links. */
    public AvatarStore(S3Client s3, S3Presigner presigner, String bucket) {
      this.s3 = s3;
      this.presigner = presigner;
      this.bucket = bucket;
    }

    static String key(long userId) {
      return "avatars/" + userId;
    }

    /** Store the avatar (replacing any earlier one); its key. */
    public String upload(long userId, byte[] data, String contentType) {
      if (!ALLOWED_TYPES.contains(contentType)) {
        throw new RejectedUpload(contentType + " is not an accepted image type");
      }
      if (data.length > MAX_BYTES) {
        throw new RejectedUpload(data.length + " bytes is over the " + MAX_BYTES + " limit");
      }
      s3.putObject(
          r ->
              r.bucket(bucket)
                  .key(key(userId))
                  .contentType(contentType)
                  .metadata(Map.of("sha256", sha256(data))),
          RequestBody.fromBytes(data));
      return key(userId);
    }

    /** The avatar, or empty if the user has none. */
    public Optional<Avatar> download(long userId) {
      ResponseBytes<GetObjectResponse> object;
      try {
        object = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key(userId)));
      } catch (NoSuchKeyException none) {
        return Optional.empty();
      }
      byte[] data = object.asByteArray();
      if (!sha256(data).equals(object.response().metadata().get("sha256"))) {
        throw new IllegalStateException("avatar of user " + userId + " is corrupt");
      }
      return Optional.of(new Avatar(data, object.response().contentType()));
    }

    /** A time-limited URL anyone can download the avatar from. */
    public String shareLink(long userId, Duration valid) {
      return presigner
          .presignGetObject(
              r -> r.signatureDuration(valid).getObjectRequest(g -> g.bucket(bucket).key(key(userId))))
          .url()
          .toString();
    }
  }
}
