// Managed by integration-harness: `copier update` rewrites this file.
// Local changes go in .env.test.local, or in your own extension next to your tests.
package integration.harness;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.opentest4j.AssertionFailedError;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.ListObjectVersionsResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * The AWS emulator for the tests (moto; AWS SDK for Java v2 with its Apache HTTP client):
 * parameters {@code SqsClient}, {@code S3Client}, {@code S3Presigner}, {@code Aws.Queues}, {@code
 * Aws.Buckets} and {@code @Aws.Url String}; and {@link #receiveOne}.
 *
 * <p>Clients always use fixed test credentials and the endpoint from {@code
 * TEST_AWS_ENDPOINT_URL}, never your AWS profile or environment, so a misconfigured endpoint
 * cannot reach a real account with real keys.
 *
 * <p>Isolation: tests never share a queue or bucket. The factories create uniquely named ones
 * ({@code test-<worker>-<purpose>-<stamp><random>}) and delete every one of them, messages and
 * objects included, after the test. Before the run, queues and buckets a killed run left (harness
 * names over an hour old) are deleted; nothing else is touched.
 */
public final class Aws implements ServiceModule {
  static final String TITLE = Services.Catalogue.title("aws");
  static final String URL_VAR = Services.Catalogue.urlVar("aws");

  /** The region the clients name (the emulator accepts any). */
  public static final Region REGION = Region.US_EAST_1;

  /** Fixed, fake credentials: the emulator accepts any; real AWS refuses these. */
  public static final StaticCredentialsProvider CREDENTIALS =
      StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

  /** The endpoint URL, for code under test (with {@link #CREDENTIALS}). */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.PARAMETER)
  public @interface Url {}

  private static SdkHttpClient httpClient() {
    return ApacheHttpClient.builder()
        .connectionTimeout(Duration.ofSeconds(5))
        .socketTimeout(Duration.ofSeconds(10))
        .build();
  }

  /** An SQS client on {@code endpoint} with the test credentials (close it when done). */
  public static SqsClient sqs(String endpoint) {
    return SqsClient.builder()
        .endpointOverride(URI.create(endpoint))
        .region(REGION)
        .credentialsProvider(CREDENTIALS)
        .httpClient(httpClient())
        .build();
  }

  /** An S3 client on {@code endpoint} (path-style) with the test credentials. */
  public static S3Client s3(String endpoint) {
    return S3Client.builder()
        .endpointOverride(URI.create(endpoint))
        .region(REGION)
        .credentialsProvider(CREDENTIALS)
        .forcePathStyle(true)
        .httpClient(httpClient())
        .build();
  }

  /** An S3 presigner for {@code endpoint} (path-style URLs) with the test credentials. */
  public static S3Presigner presigner(String endpoint) {
    return S3Presigner.builder()
        .endpointOverride(URI.create(endpoint))
        .region(REGION)
        .credentialsProvider(CREDENTIALS)
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .build();
  }

  /** Refuse {@code url} unless it is an http(s) URL of a disposable test service. */
  @Override
  public void guard(String url, Settings settings) {
    URI uri;
    try {
      uri = URI.create(url.strip());
    } catch (IllegalArgumentException error) {
      throw new IllegalArgumentException(URL_VAR + " is not a URL: " + Safety.redact(url));
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          URL_VAR + " must start with http:// or https://, not '" + Safety.redact(url) + "'");
    }
    String host = uri.getHost() == null ? "" : uri.getHost();
    Safety.ensureDisposable(TITLE, url, List.of(host), settings.allowedHosts());
  }

  /** Ask moto's own API ({@code /moto-api/}); NotReady / Misconfigured otherwise. */
  @Override
  public String probe(String url, Duration timeout) throws Exception {
    Readiness.httpGet(Readiness.trimmedUrl(url) + "/moto-api/", timeout, "a moto server");
    return TITLE;
  }

  /** Before the run: delete the queues and buckets killed runs left (harness names over an hour old). */
  @Override
  public void preflight(String url, Settings settings, Session session) throws Exception {
    try (SqsClient sqs = sqs(url);
        S3Client s3 = s3(url)) {
      for (String queueUrl : sqs.listQueues(r -> r.queueNamePrefix("test-")).queueUrls()) {
        if (Session.isStaleTestName(queueUrl.substring(queueUrl.lastIndexOf('/') + 1), "-")) {
          try {
            sqs.deleteQueue(r -> r.queueUrl(queueUrl));
          } catch (QueueDoesNotExistException gone) {
            // another run swept it first
          }
        }
      }
      for (Bucket bucket : s3.listBuckets().buckets()) {
        if (Session.isStaleTestName(bucket.name(), "-")) {
          deleteBucket(s3, bucket.name());
        }
      }
    }
  }

  /** Empty {@code bucket} (every object version and delete marker) and delete it. */
  static void deleteBucket(S3Client s3, String bucket) {
    for (ListObjectVersionsResponse page :
        s3.listObjectVersionsPaginator(r -> r.bucket(bucket))) {
      List<ObjectIdentifier> doomed = new ArrayList<>();
      page.versions()
          .forEach(v -> doomed.add(ObjectIdentifier.builder().key(v.key()).versionId(v.versionId()).build()));
      page.deleteMarkers()
          .forEach(m -> doomed.add(ObjectIdentifier.builder().key(m.key()).versionId(m.versionId()).build()));
      if (!doomed.isEmpty()) {
        s3.deleteObjects(r -> r.bucket(bucket).delete(d -> d.objects(doomed)));
      }
    }
    s3.deleteBucket(r -> r.bucket(bucket));
  }

  /** The URL of the dead-letter queue {@code Queues.make(purpose, deadLetterAfter)} made. */
  public static String deadLetterQueueUrl(SqsClient sqs, String queueUrl) {
    String policy =
        sqs.getQueueAttributes(
                r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.REDRIVE_POLICY))
            .attributes()
            .get(QueueAttributeName.REDRIVE_POLICY);
    java.util.regex.Matcher arn =
        java.util.regex.Pattern.compile("\"deadLetterTargetArn\"\\s*:\\s*\"[^\"]*:([^\":]+)\"")
            .matcher(policy);
    if (!arn.find()) {
      throw new IllegalStateException(queueUrl + " has no dead-letter queue: " + policy);
    }
    return sqs.getQueueUrl(r -> r.queueName(arn.group(1))).queueUrl();
  }

  /**
   * The next message on {@code queueUrl} (long poll up to {@code timeout}, with its {@code
   * ApproximateReceiveCount}); the test fails naming the queue if none arrives.
   */
  public static Message receiveOne(SqsClient sqs, String queueUrl, Duration timeout) {
    List<Message> messages =
        sqs.receiveMessage(
                r ->
                    r.queueUrl(queueUrl)
                        .maxNumberOfMessages(1)
                        .waitTimeSeconds((int) timeout.toSeconds())
                        .messageSystemAttributeNames(
                            MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
            .messages();
    if (messages.isEmpty()) {
      throw new AssertionFailedError(
          "no message arrived on " + queueUrl + " within " + timeout.toSeconds() + "s");
    }
    return messages.get(0);
  }

  /** {@link #receiveOne(SqsClient, String, Duration)} waiting up to 5 s. */
  public static Message receiveOne(SqsClient sqs, String queueUrl) {
    return receiveOne(sqs, queueUrl, Duration.ofSeconds(5));
  }

  /** SQS queues for one test, deleted after it with their messages. */
  public static final class Queues {
    private final SqsClient sqs;
    private final List<String> created = new ArrayList<>();

    Queues(SqsClient sqs) {
      this.sqs = sqs;
    }

    /** A new queue {@code test-<worker>-<purpose>-<stamp><random>}; its URL. */
    public String make(String purpose) {
      return create(purpose, Map.of());
    }

    /**
     * A new queue whose messages go to a dead-letter queue of their own (see {@link
     * Aws#deadLetterQueueUrl}) once received {@code deadLetterAfter} times without being deleted.
     */
    public String make(String purpose, int deadLetterAfter) {
      String deadLetters = create(purpose + "-dlq", Map.of());
      String arn =
          sqs.getQueueAttributes(
                  r -> r.queueUrl(deadLetters).attributeNames(QueueAttributeName.QUEUE_ARN))
              .attributes()
              .get(QueueAttributeName.QUEUE_ARN);
      String policy =
          "{\"deadLetterTargetArn\":\""
              + arn
              + "\",\"maxReceiveCount\":\""
              + deadLetterAfter
              + "\"}";
      return create(purpose, Map.of(QueueAttributeName.REDRIVE_POLICY, policy));
    }

    private String create(String purpose, Map<QueueAttributeName, String> extra) {
      Map<QueueAttributeName, String> attributes = new HashMap<>(extra);
      attributes.put(QueueAttributeName.VISIBILITY_TIMEOUT, "30");
      String name = Session.uniqueTestName("Aws.Queues.make", purpose, "-");
      String url = sqs.createQueue(r -> r.queueName(name).attributes(attributes)).queueUrl();
      created.add(url);
      return url;
    }

    void deleteAll() {
      List<String> doomed = new ArrayList<>(created);
      Collections.reverse(doomed);
      for (String url : doomed) {
        sqs.deleteQueue(r -> r.queueUrl(url));
      }
      created.clear();
    }
  }

  /** S3 buckets for one test, emptied and deleted after it. */
  public static final class Buckets {
    private final S3Client s3;
    private final List<String> created = new ArrayList<>();

    Buckets(S3Client s3) {
      this.s3 = s3;
    }

    /** A new, empty bucket {@code test-<worker>-<purpose>-<stamp><random>}; its name. */
    public String make(String purpose) {
      String name = Session.uniqueTestName("Aws.Buckets.make", purpose, "-").replace('_', '-');
      s3.createBucket(r -> r.bucket(name));
      created.add(name);
      return name;
    }

    void deleteAll() {
      for (String name : created) {
        deleteBucket(s3, name);
      }
      created.clear();
    }
  }

  @Override
  public boolean supports(ParameterContext parameter) {
    Class<?> type = parameter.getParameter().getType();
    return type == SqsClient.class
        || type == S3Client.class
        || type == S3Presigner.class
        || type == Queues.class
        || type == Buckets.class
        || (type == String.class && parameter.isAnnotated(Url.class));
  }

  @Override
  public Object resolve(ParameterContext parameter, ExtensionContext context, Session session) {
    Class<?> type = parameter.getParameter().getType();
    String url = session.settings().url(URL_VAR);
    if (type == String.class) {
      return url;
    }
    if (type == S3Presigner.class) {
      return session.shared("aws.presigner", S3Presigner.class, () -> presigner(url));
    }
    SqsClient sqs = session.shared("aws.sqs", SqsClient.class, () -> sqs(url));
    S3Client s3 = session.shared("aws.s3", S3Client.class, () -> s3(url));
    if (type == SqsClient.class) {
      return sqs;
    }
    if (type == S3Client.class) {
      return s3;
    }
    if (type == Queues.class) {
      return Session.perTest(
          context,
          "aws.queues",
          () -> new Queues(sqs),
          queues -> {
            guard(url, session.settings());
            queues.deleteAll();
          });
    }
    return Session.perTest(
        context,
        "aws.buckets",
        () -> new Buckets(s3),
        buckets -> {
          guard(url, session.settings());
          buckets.deleteAll();
        });
  }
}
