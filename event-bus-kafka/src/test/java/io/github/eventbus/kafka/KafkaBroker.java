package io.github.eventbus.kafka;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real single-node KRaft Kafka broker (combined broker and controller), started in this JVM from
 * the Kafka project's own test kit on 127.0.0.1 with ephemeral ports, once per test class:
 * {@code @RegisterExtension static final KafkaBroker kafka = new KafkaBroker();}.
 */
public final class KafkaBroker implements BeforeAllCallback, AfterAllCallback {

  private java.util.Locale previousLocale;

  /** Large enough for the 1 MB payload test plus its envelope. */
  static final int MAX_MESSAGE_BYTES = 3 * 1024 * 1024;

  private KafkaClusterTestKit cluster;
  private Admin admin;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    // Kafka's broker upper-cases config names with the default locale (GroupType "classic"
    // becomes "CLASSİC" in Turkish and fails to start), so the in-process broker runs under
    // Locale.ROOT; the bridge itself is locale-independent (RecordCodecTest runs as the JVM is).
    previousLocale = java.util.Locale.getDefault();
    java.util.Locale.setDefault(java.util.Locale.ROOT);
    TestKitNodes nodes = new TestKitNodes.Builder()
        .setCombined(true)
        .setNumBrokerNodes(1)
        .setNumControllerNodes(1)
        .setPerServerProperties(Map.of(0, Map.of("listeners",
            "EXTERNAL://127.0.0.1:0,CONTROLLER://127.0.0.1:0")))
        .build();
    cluster = new KafkaClusterTestKit.Builder(nodes)
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("offsets.topic.num.partitions", "1")
        .setConfigProp("transaction.state.log.replication.factor", "1")
        .setConfigProp("transaction.state.log.min.isr", "1")
        .setConfigProp("group.initial.rebalance.delay.ms", "0")
        .setConfigProp("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES))
        .setConfigProp("replica.fetch.max.bytes", Integer.toString(MAX_MESSAGE_BYTES))
        .setConfigProp("auto.create.topics.enable", "false")
        .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    admin = Admin.create(props);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      if (admin != null) {
        admin.close();
      }
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      java.util.Locale.setDefault(previousLocale);
    }
  }

  /** Returns the broker's address, such as {@code 127.0.0.1:40123}. */
  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** Creates a topic and waits until it exists. */
  public void createTopic(String name, int partitions) throws Exception {
    NewTopic topic = new NewTopic(name, partitions, (short) 1)
        .configs(Map.of("max.message.bytes", Integer.toString(MAX_MESSAGE_BYTES)));
    admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
    awaitLeaders(name, partitions);
  }

  /**
   * Waits until the broker leads every partition. A topic is "created" before its partitions are
   * online on the leader; a producer that sends at once then gets NOT_LEADER_OR_FOLLOWER and, with
   * idempotence, out-of-order sequence errors that hold a batch back until its delivery timeout.
   * Listing the latest offsets is answered by the partition's leader only, so its success says
   * the partition is ready.
   */
  private void awaitLeaders(String name, int partitions) throws Exception {
    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest =
        new java.util.HashMap<>();
    for (int p = 0; p < partitions; p++) {
      latest.put(new org.apache.kafka.common.TopicPartition(name, p),
          org.apache.kafka.clients.admin.OffsetSpec.latest());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
        return;
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("partitions of " + name + " not online in 30 s", e);
        }
        Thread.onSpinWait(); // the admin client's own retry backoff paces this loop
      }
    }
  }

  public Admin admin() {
    return admin;
  }
}
