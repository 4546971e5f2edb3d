// Managed by integration-harness: `copier update` rewrites this file.

package harness

// Kafka helpers (franz-go): KafkaBootstrapServers, KafkaProducer, MakeKafkaTopic, MakeKafkaConsumer.
//
// Isolation: tests never share a topic or a consumer group. MakeKafkaTopic creates
// a uniquely named topic (test-p<pid>-<purpose>-<stamp><random>) and
// MakeKafkaConsumer reads it in a group of its own; after the test the consumer
// leaves, and its group and the topics are deleted (topic deletion is
// asynchronous, so names are never reused). Before the first test, topics and
// groups with such names older than an hour (a killed run's) are deleted.

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	kafkaTitle  = catalogueTitle("kafka")
	kafkaURLVar = catalogueURLVar("kafka")
)

var (
	kafkaRefusal = regexp.MustCompile(`(?i)SASL|authenticat|authoriz`)
	kafkaBroker  = regexp.MustCompile(`^\[?([^\[\]/]+?)\]?:(\d+)$`)
)

func init() {
	register("kafka", module{guard: kafkaGuard, probe: kafkaProbe, preflight: kafkaPreflight})
}

func kafkaBrokers(raw string) []string {
	var brokers []string
	for _, broker := range strings.Split(raw, ",") {
		broker = strings.TrimSpace(broker)
		broker = strings.TrimPrefix(strings.TrimPrefix(broker, "kafka://"), "PLAINTEXT://")
		if broker != "" {
			brokers = append(brokers, broker)
		}
	}
	return brokers
}

func kafkaGuard(raw string, settings *Settings) error {
	var hosts []string
	for _, broker := range kafkaBrokers(raw) {
		match := kafkaBroker.FindStringSubmatch(broker)
		if match == nil {
			return fmt.Errorf("%s: expected host:port[,host:port], not %s", kafkaURLVar, Redact(broker))
		}
		hosts = append(hosts, match[1])
	}
	return EnsureDisposable(kafkaTitle, raw, hosts, settings.AllowedHosts())
}

func kafkaClient(raw string, options ...kgo.Opt) (*kgo.Client, error) {
	timeout := runTimeout()
	return kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(kafkaBrokers(raw)...),
		kgo.DialTimeout(timeout),
		kgo.RequestTimeoutOverhead(timeout),
		kgo.RetryTimeout(timeout),
	}, options...)...)
}

func kafkaProbe(ctx context.Context, raw string) (string, error) {
	client, err := kafkaClient(raw)
	if err != nil {
		return "", &Misconfigured{err}
	}
	defer client.Close()
	if err := client.Ping(ctx); err != nil {
		if kafkaRefusal.MatchString(err.Error()) {
			return "", &Misconfigured{err}
		}
		return "", err
	}
	metadata, err := kadm.NewClient(client).BrokerMetadata(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s (%d broker(s), cluster %s)", kafkaTitle, len(metadata.Brokers), metadata.Cluster), nil
}

// kafkaPreflight deletes the topics and groups a killed run left (test names older than an hour).
func kafkaPreflight(ctx context.Context, raw string, _ *Settings, _ RunContext) error {
	client, err := kafkaClient(raw)
	if err != nil {
		return err
	}
	defer client.Close()
	admin := kadm.NewClient(client)
	topics, err := admin.ListTopics(ctx)
	if err != nil {
		return err
	}
	var oldTopics []string
	for _, name := range topics.Names() {
		if IsLeftoverTestName(name, "-", time.Now()) {
			oldTopics = append(oldTopics, name)
		}
	}
	if len(oldTopics) > 0 {
		if _, err := admin.DeleteTopics(ctx, oldTopics...); err != nil {
			return err
		}
	}
	groups, err := admin.ListGroups(ctx)
	if err != nil {
		return err
	}
	var oldGroups []string
	for _, name := range groups.Groups() {
		if IsLeftoverTestName(name, "-", time.Now()) {
			oldGroups = append(oldGroups, name)
		}
	}
	if len(oldGroups) > 0 {
		_, err = admin.DeleteGroups(ctx, oldGroups...)
	}
	return err
}

// KafkaBootstrapServers is host:port of a ready Kafka broker (TEST_KAFKA_BOOTSTRAP_SERVERS).
func KafkaBootstrapServers(t testingTB) string {
	t.Helper()
	return serviceURL(t, "kafka", kafkaURLVar)
}

func kafkaAdmin(t testingTB) (*kadm.Client, func()) {
	t.Helper()
	client, err := kafkaClient(KafkaBootstrapServers(t))
	if err != nil {
		t.Fatal(err)
	}
	return kadm.NewClient(client), client.Close
}

// KafkaProducer is an idempotent producer (franz-go's default), closed after the test.
func KafkaProducer(t testingTB) *kgo.Client {
	t.Helper()
	skipIfStopped(t, kafkaTitle)
	client, err := kafkaClient(KafkaBootstrapServers(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	return client
}

// MakeKafkaTopic creates a uniquely named topic (one partition), deleted after the test.
func MakeKafkaTopic(t testingTB, purpose string) string {
	t.Helper()
	skipIfStopped(t, kafkaTitle)
	name := UniqueTestName("MakeKafkaTopic", purpose, "-")
	admin, done := kafkaAdmin(t)
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	response, err := admin.CreateTopic(ctx, 1, 1, nil, name)
	if err == nil {
		err = response.Err
	}
	if err != nil {
		t.Fatalf("creating topic %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := kafkaGuard(KafkaBootstrapServers(t), settingsFor(t)); err != nil {
			t.Error(err)
			return
		}
		admin, done := kafkaAdmin(t)
		defer done()
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		responses, err := admin.DeleteTopics(ctx, name)
		if err == nil {
			err = responses.Error()
		}
		if err != nil {
			t.Errorf("integration-harness: deleting topic %s after the test: %v", name, err)
		}
	})
	return name
}

// KafkaReader reads one topic in a consumer group of its own, with manual commits.
type KafkaReader struct {
	Client  *kgo.Client
	GroupID string
	Topic   string
}

// Next is the next record, waiting up to timeout; t fails naming the topic.
func (r *KafkaReader) Next(t testingTB, timeout time.Duration) *kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	fetches := r.Client.PollRecords(ctx, 1)
	if records := fetches.Records(); len(records) > 0 {
		return records[0]
	}
	t.Fatalf("no message on %s within %gs (%v)", r.Topic, timeout.Seconds(), fetches.Err())
	return nil
}

// CommittedOffset is the group's committed offset on partition 0 of the topic (-1 for none).
func (r *KafkaReader) CommittedOffset(t testingTB) int64 {
	t.Helper()
	admin, done := kafkaAdmin(t)
	defer done()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
	defer cancel()
	offsets, err := admin.FetchOffsets(ctx, r.GroupID)
	if err != nil {
		t.Fatal(err)
	}
	if offset, ok := offsets.Lookup(r.Topic, 0); ok {
		return offset.At
	}
	return -1
}

// MakeKafkaConsumer is a reader of topic from its start in a unique group (manual commits);
// it leaves after the test and its group is deleted.
func MakeKafkaConsumer(t testingTB, topic string) *KafkaReader {
	t.Helper()
	skipIfStopped(t, kafkaTitle)
	group := UniqueTestName("MakeKafkaConsumer", "group", "-")
	client, err := kafkaClient(KafkaBootstrapServers(t),
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.Close() // leaves the group
		admin, done := kafkaAdmin(t)
		defer done()
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout())
		defer cancel()
		if _, err := admin.DeleteGroups(ctx, group); err != nil {
			t.Errorf("integration-harness: deleting consumer group %s after the test: %v", group, err)
		}
	})
	return &KafkaReader{Client: client, GroupID: group, Topic: topic}
}
