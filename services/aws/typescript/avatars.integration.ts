// Example tests (delete with example_app/): S3 object storage (moto) with `makeBucket`.
import { S3Client } from "@aws-sdk/client-s3";
import { AvatarStore, MAX_BYTES, RejectedUpload } from "./example_app/avatars";
import { expect, test as base } from "./harness/fixtures";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...Array.from({ length: 1024 }, (_, i) => i % 256)]);

const test = base.extend<{ avatars: AvatarStore }>({
  avatars: async ({ awsClientConfig, makeBucket }, use) => {
    const s3 = new S3Client(awsClientConfig);
    await use(new AvatarStore(s3, await makeBucket("avatars")));
    s3.destroy();
  },
});

test("uploaded avatar downloads byte for byte", async ({ avatars }) => {
  await avatars.upload(7, PNG, "image/png");

  expect(await avatars.download(7)).toEqual({ data: PNG, contentType: "image/png" });
});

test("new upload replaces the old one", async ({ avatars }) => {
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0x20]);
  await avatars.upload(7, PNG, "image/png");
  await avatars.upload(7, jpeg, "image/jpeg");

  expect(await avatars.download(7)).toEqual({ data: jpeg, contentType: "image/jpeg" });
});

test("user without avatar gets null", async ({ avatars }) => {
  expect(await avatars.download(404)).toBeNull();
});

test("rejected uploads store nothing", async ({ avatars }) => {
  await expect(avatars.upload(7, new TextEncoder().encode("<svg/>"), "image/svg+xml")).rejects.toBeInstanceOf(
    RejectedUpload,
  );
  await expect(avatars.upload(7, new Uint8Array(MAX_BYTES + 1), "image/png")).rejects.toBeInstanceOf(RejectedUpload);

  expect(await avatars.download(7)).toBeNull();
});

test("share link serves the avatar over HTTP", async ({ avatars }) => {
  await avatars.upload(7, PNG, "image/png");

  const response = await fetch(await avatars.shareLink(7));

  expect(response.headers.get("content-type")).toBe("image/png");
  expect(new Uint8Array(await response.arrayBuffer())).toEqual(PNG);
});
