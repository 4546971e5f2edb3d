package integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import integration.exampleapp.Avatars.Avatar;
import integration.exampleapp.Avatars.AvatarStore;
import integration.exampleapp.Avatars.RejectedUpload;
import integration.harness.Aws;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Example tests (delete with exampleapp/): S3 object storage (moto) with {@code Aws.Buckets}. */
class AvatarsIT {
  static final byte[] PNG = png();
  static final byte[] JPEG = "\u00ff\u00d8\u00ff jpeg".getBytes(StandardCharsets.ISO_8859_1);

  static byte[] png() {
    byte[] data = new byte[8 + 256 * 4];
    byte[] signature = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    System.arraycopy(signature, 0, data, 0, 8);
    for (int i = 8; i < data.length; i++) {
      data[i] = (byte) ((i - 8) % 256);
    }
    return data;
  }

  AvatarStore avatars;

  @BeforeEach
  void avatars(S3Client s3, S3Presigner presigner, Aws.Buckets buckets) {
    avatars = new AvatarStore(s3, presigner, buckets.make("avatars"));
  }

  static void assertAvatar(byte[] data, String contentType, Avatar avatar) {
    assertArrayEquals(data, avatar.data());
    assertEquals(contentType, avatar.contentType());
  }

  @Test
  void uploadedAvatarDownloadsByteForByte() {
    avatars.upload(7, PNG, "image/png");

    assertAvatar(PNG, "image/png", avatars.download(7).orElseThrow());
  }

  @Test
  void newUploadReplacesTheOldOne() {
    avatars.upload(7, PNG, "image/png");
    avatars.upload(7, JPEG, "image/jpeg");

    assertAvatar(JPEG, "image/jpeg", avatars.download(7).orElseThrow());
  }

  @Test
  void userWithoutAvatarGetsNone() {
    assertTrue(avatars.download(404).isEmpty());
  }

  static Stream<Arguments> rejected() {
    return Stream.of(
        Arguments.of("<svg/>".getBytes(StandardCharsets.UTF_8), "image/svg+xml"),
        Arguments.of(new byte[512 * 1024 + 1], "image/png"));
  }

  @ParameterizedTest
  @MethodSource("rejected")
  void rejectedUploadStoresNothing(byte[] data, String contentType) {
    assertThrows(RejectedUpload.class, () -> avatars.upload(7, data, contentType));

    assertTrue(avatars.download(7).isEmpty());
  }

  @Test
  void shareLinkServesTheAvatarOverHttp() throws Exception {
    avatars.upload(7, PNG, "image/png");

    HttpResponse<byte[]> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(avatars.shareLink(7, Duration.ofMinutes(5))))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());

    assertEquals(200, response.statusCode());
    assertArrayEquals(PNG, response.body());
    assertEquals("image/png", response.headers().firstValue("Content-Type").orElse(""));
  }
}
