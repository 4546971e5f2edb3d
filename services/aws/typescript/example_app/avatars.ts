// Example component (delete me): user avatars in S3-compatible object storage.
import { createHash } from "node:crypto";
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

export const ALLOWED_TYPES = new Set(["image/png", "image/jpeg"]);
export const MAX_BYTES = 512 * 1024;

/** The file is not an accepted image, or is too large. */
export class RejectedUpload extends Error {}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

/** Avatars under `avatars/<user id>` in one bucket, with their checksum. */
export class AvatarStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  static key(userId: number): string {
    return `avatars/${userId}`;
  }

  /** Store the avatar (replacing any earlier one); return its key. */
  async upload(userId: number, data: Uint8Array, contentType: string): Promise<string> {
    if (!ALLOWED_TYPES.has(contentType)) throw new RejectedUpload(`${contentType} is not an accepted image type`);
    if (data.length > MAX_BYTES) throw new RejectedUpload(`${data.length} bytes is over the ${MAX_BYTES} limit`);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: AvatarStore.key(userId),
        Body: data,
        ContentType: contentType,
        Metadata: { sha256: sha256(data) },
      }),
    );
    return AvatarStore.key(userId);
  }

  /** The avatar's bytes and content type, or null if the user has none. */
  async download(userId: number): Promise<{ data: Uint8Array; contentType: string } | null> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: AvatarStore.key(userId) }));
      const data = await response.Body!.transformToByteArray();
      if (response.Metadata?.sha256 !== sha256(data)) throw new Error(`avatar of user ${userId} is corrupt`);
      return { data, contentType: response.ContentType ?? "" };
    } catch (error) {
      if (error instanceof NoSuchKey) return null;
      throw error;
    }
  }

  /** A time-limited URL anyone can download the avatar from. */
  shareLink(userId: number, seconds = 300): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: AvatarStore.key(userId) }), {
      expiresIn: seconds,
    });
  }
}
