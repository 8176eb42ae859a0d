package io.ferrite.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ferrite.server.Broker;
import io.ferrite.server.config.BrokerConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's StandardAuthorizer behind authorizer.class.name, with stock clients as SASL users: ACLs managed through
 * the Admin API (as kafka-acls.sh does) and kept across a restart; literal and prefixed patterns, DENY over
 * ALLOW, super.users, allow.everyone.if.no.acl.found; ACL changes taking effect on open connections; Kafka's
 * error for each refusal.
 */
@Timeout(120)
class AclTest {
    private static final String STANDARD = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

    @TempDir
    Path dir;

    private Map<String, String> brokerProps(String... extra) {
        Map<String, String> props = new HashMap<>(Map.of(
                "listeners", "SASL_PLAINTEXT://127.0.0.1:0",
                "log.dirs", dir.resolve("data").toString(), "store.commitlog.file.bytes", "1048576",
                "sasl.enabled.mechanisms", "PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_admin=\"admin-secret\" "
                        + "user_alice=\"alice-secret\" user_bob=\"bob-secret\";",
                "authorizer.class.name", STANDARD, "super.users", "User:admin"));
        for (int i = 0; i < extra.length; i += 2) {
            props.put(extra[i], extra[i + 1]);
        }
        return props;
    }

    private static Properties as(Broker broker, String user) {
        Properties p = new Properties();
        p.put("bootstrap.servers", "127.0.0.1:" + broker.port());
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "PLAIN");
        p.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + user + "\" password=\"" + user + "-secret\";");
        p.put("request.timeout.ms", "10000");
        p.put("default.api.timeout.ms", "15000");
        p.put("max.block.ms", "10000");
        p.put("delivery.timeout.ms", "12000");
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        return p;
    }

    private static AclBinding acl(ResourceType type, String name, PatternType pattern, String user, AclOperation op,
                                  AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", op, permission));
    }

    private static void grant(Admin admin, AclBinding... acls) throws Exception {
        admin.createAcls(List.of(acls)).all().get(20, TimeUnit.SECONDS);
    }

    private static Throwable cause(ExecutionException e) {
        return e.getCause();
    }

    @Test
    void aclsAreManagedThroughTheAdminApiAndKeptAcrossARestart() throws Exception {
        BrokerConfig config = BrokerConfig.fromProperties(brokerProps());
        List<AclBinding> acls = List.of(
                acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "alice", AclOperation.READ, AclPermissionType.ALLOW),
                acl(ResourceType.TOPIC, "ord", PatternType.PREFIXED, "alice", AclOperation.WRITE, AclPermissionType.ALLOW),
                acl(ResourceType.GROUP, "*", PatternType.LITERAL, "bob", AclOperation.ALL, AclPermissionType.DENY));
        try (Broker broker = Broker.start(config, Clock.systemUTC()); Admin admin = Admin.create(as(broker, "admin"))) {
            grant(admin, acls.toArray(AclBinding[]::new));
            grant(admin, acls.get(0)); // the same again: not added twice
            assertEquals(Set.copyOf(acls), Set.copyOf(admin.describeAcls(AclBindingFilter.ANY).values().get()));
            try (Admin bob = Admin.create(as(broker, "bob"))) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> bob.createAcls(List.of(acls.get(0))).all().get(20, TimeUnit.SECONDS));
                assertInstanceOf(ClusterAuthorizationException.class, cause(e));
            }
        }
        try (Broker broker = Broker.start(config, Clock.systemUTC()); Admin admin = Admin.create(as(broker, "admin"))) {
            assertEquals(Set.copyOf(acls), Set.copyOf(admin.describeAcls(AclBindingFilter.ANY).values().get()),
                    "kept across a restart");
            AclBindingFilter alices = new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter(
                    "User:alice", null, AclOperation.ANY, AclPermissionType.ANY));
            assertEquals(2, admin.deleteAcls(List.of(alices)).all().get(20, TimeUnit.SECONDS).size());
            assertEquals(List.of(acls.get(2)), List.copyOf(admin.describeAcls(AclBindingFilter.ANY).values().get()));
        }
    }

    @Test
    void topicsAndGroupsByLiteralAndPrefixedAclsWithDenyFirstTakingEffectOnOpenConnections() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps()), Clock.systemUTC());
             Admin admin = Admin.create(as(broker, "admin"))) {
            admin.createTopics(List.of(new NewTopic("orders", 1, (short) 1), new NewTopic("payments", 1, (short) 1)))
                    .all().get(20, TimeUnit.SECONDS);
            grant(admin,
                    acl(ResourceType.TOPIC, "ord", PatternType.PREFIXED, "alice", AclOperation.WRITE, AclPermissionType.ALLOW),
                    acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "alice", AclOperation.READ, AclPermissionType.ALLOW),
                    acl(ResourceType.GROUP, "readers", PatternType.LITERAL, "alice", AclOperation.READ, AclPermissionType.ALLOW));
            try (KafkaProducer<String, String> alice = new KafkaProducer<>(as(broker, "alice"));
                 KafkaProducer<String, String> bob = new KafkaProducer<>(as(broker, "bob"))) {
                alice.send(new ProducerRecord<>("orders", "k", "v0")).get(20, TimeUnit.SECONDS);
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> alice.send(new ProducerRecord<>("payments", "k", "v")).get(20, TimeUnit.SECONDS));
                assertInstanceOf(TopicAuthorizationException.class, cause(e));
                e = assertThrows(ExecutionException.class,
                        () -> bob.send(new ProducerRecord<>("orders", "k", "v")).get(20, TimeUnit.SECONDS));
                assertInstanceOf(TopicAuthorizationException.class, cause(e));

                // DENY over ALLOW, on the connection alice already has.
                grant(admin, acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "alice", AclOperation.WRITE,
                        AclPermissionType.DENY));
                e = assertThrows(ExecutionException.class,
                        () -> alice.send(new ProducerRecord<>("orders", "k", "v")).get(20, TimeUnit.SECONDS));
                assertInstanceOf(TopicAuthorizationException.class, cause(e));
                admin.deleteAcls(List.of(acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "alice",
                        AclOperation.WRITE, AclPermissionType.DENY).toFilter())).all().get(20, TimeUnit.SECONDS);
                alice.send(new ProducerRecord<>("orders", "k", "v1")).get(20, TimeUnit.SECONDS);
            }

            try (Admin alice = Admin.create(as(broker, "alice")); Admin bob = Admin.create(as(broker, "bob"))) {
                assertEquals(Set.of("orders"), alice.listTopics().names().get(20, TimeUnit.SECONDS),
                        "READ implies DESCRIBE; payments is not shown");
                assertEquals(Set.of(), bob.listTopics().names().get(20, TimeUnit.SECONDS));
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> bob.describeTopics(List.of("orders")).allTopicNames().get(20, TimeUnit.SECONDS));
                assertInstanceOf(TopicAuthorizationException.class, cause(e));
                e = assertThrows(ExecutionException.class, () -> bob.deleteTopics(List.of("orders")).all()
                        .get(20, TimeUnit.SECONDS));
                assertInstanceOf(TopicAuthorizationException.class, cause(e));
            }

            Properties readers = as(broker, "alice");
            readers.put("group.id", "readers");
            readers.put("auto.offset.reset", "earliest");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(readers)) {
                consumer.subscribe(List.of("orders"));
                int seen = 0;
                long end = System.currentTimeMillis() + 30_000;
                while (seen < 2 && System.currentTimeMillis() < end) {
                    ConsumerRecords<String, String> got = consumer.poll(Duration.ofMillis(200));
                    seen += got.count();
                }
                assertEquals(2, seen);
                consumer.commitSync();
            }
            Properties strangers = as(broker, "alice");
            strangers.put("group.id", "strangers");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(strangers)) {
                consumer.subscribe(List.of("orders"));
                assertThrows(GroupAuthorizationException.class, () -> {
                    long end = System.currentTimeMillis() + 20_000;
                    while (System.currentTimeMillis() < end) {
                        consumer.poll(Duration.ofMillis(200));
                    }
                });
            }
        }
    }

    /** Kafka's controller bounds one operation at 10,000 ACLs; so does the store, so one request cannot make or
     *  drop an unbounded number at once. */
    @Test
    void oneOperationAddsOrRemovesAtMostTenThousandAcls() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps()), Clock.systemUTC());
             Admin admin = Admin.create(as(broker, "admin"))) {
            List<AclBinding> tooMany = new ArrayList<>();
            for (int i = 0; i <= AclStore.MAX_PER_OPERATION; i++) {
                tooMany.add(acl(ResourceType.TOPIC, "t" + i, PatternType.LITERAL, "alice", AclOperation.READ,
                        AclPermissionType.ALLOW));
            }
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.createAcls(tooMany).all().get(60, TimeUnit.SECONDS));
            assertInstanceOf(UnknownServerException.class, cause(e));
            assertEquals(0, admin.describeAcls(AclBindingFilter.ANY).values().get().size(), "nothing was added");

            grant(admin, tooMany.subList(0, AclStore.MAX_PER_OPERATION).toArray(AclBinding[]::new));
            grant(admin, tooMany.get(AclStore.MAX_PER_OPERATION));
            AclBindingFilter one = tooMany.get(0).toFilter();
            var results = admin.deleteAcls(List.of(one, AclBindingFilter.ANY)).values();
            assertEquals(1, results.get(one).get(20, TimeUnit.SECONDS).values().size());
            e = assertThrows(ExecutionException.class, () -> results.get(AclBindingFilter.ANY).get(20, TimeUnit.SECONDS));
            assertInstanceOf(UnknownServerException.class, cause(e));
            assertEquals(AclStore.MAX_PER_OPERATION, admin.describeAcls(AclBindingFilter.ANY).values().get().size(),
                    "only the first filter's ACL was removed");
            assertEquals(AclStore.MAX_PER_OPERATION,
                    admin.deleteAcls(List.of(AclBindingFilter.ANY)).all().get(60, TimeUnit.SECONDS).size());
        }
    }

    @Test
    void withoutAclsEveryoneIsAllowedOnlyIfConfiguredSo() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(brokerProps(
                "allow.everyone.if.no.acl.found", "true")), Clock.systemUTC());
             KafkaProducer<String, String> bob = new KafkaProducer<>(as(broker, "bob"))) {
            bob.send(new ProducerRecord<>("open", "k", "v")).get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void withoutAnAuthorizerTheAclApisAreSecurityDisabledAndABadOneFailsTheStart() throws Exception {
        Map<String, String> props = brokerProps();
        props.remove("authorizer.class.name");
        try (Broker broker = Broker.start(BrokerConfig.fromProperties(props), Clock.systemUTC());
             Admin admin = Admin.create(as(broker, "bob"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeAcls(AclBindingFilter.ANY).values().get(20, TimeUnit.SECONDS));
            assertInstanceOf(SecurityDisabledException.class, cause(e));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Broker.start(
                BrokerConfig.fromProperties(brokerProps("authorizer.class.name", "com.example.NoSuchAuthorizer")),
                Clock.systemUTC()));
        assertTrue(e.getMessage().contains("com.example.NoSuchAuthorizer"), e.getMessage());
    }
    /**
     * A consumer in an incremental fetch session names nothing it already reads: once its READ is taken away, the
     * partitions its session holds are refused all the same, and nothing produced after that reaches it.
     */
    @Test
    void readTakenAwayStopsAFetchSessionThatNoLongerNamesTheTopic() throws Exception {
        BrokerConfig config = BrokerConfig.fromProperties(brokerProps());
        AclBinding read = acl(ResourceType.TOPIC, "ledger", PatternType.LITERAL, "alice", AclOperation.READ,
                AclPermissionType.ALLOW);
        try (Broker broker = Broker.start(config, Clock.systemUTC()); Admin admin = Admin.create(as(broker, "admin"));
                KafkaProducer<String, String> producer = new KafkaProducer<>(as(broker, "admin"))) {
            admin.createTopics(List.of(new NewTopic("ledger", 2, (short) 1))).all().get(20, TimeUnit.SECONDS);
            grant(admin, read);
            producer.send(new ProducerRecord<>("ledger", 0, null, "before")).get(20, TimeUnit.SECONDS);
            Properties c = as(broker, "alice");
            c.put("auto.offset.reset", "earliest");
            c.put("fetch.max.wait.ms", "50");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
                consumer.assign(List.of(new org.apache.kafka.common.TopicPartition("ledger", 0),
                        new org.apache.kafka.common.TopicPartition("ledger", 1)));
                List<String> seen = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!seen.contains("before") && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                }
                for (int i = 0; i < 5; i++) { // fetches in the session, naming nothing new
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> seen.add(r.value()));
                }
                assertEquals(List.of("before"), seen);
                admin.deleteAcls(List.of(read.toFilter())).all().get(20, TimeUnit.SECONDS);
                // A fetch already waiting was allowed when it came (as in Kafka): let it answer, empty, first.
                Thread.sleep(1000);
                producer.send(new ProducerRecord<>("ledger", 0, null, "after")).get(20, TimeUnit.SECONDS);
                TopicAuthorizationException refused = null;
                deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (refused == null && System.nanoTime() < deadline) {
                    try {
                        consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                    } catch (TopicAuthorizationException e) {
                        refused = e;
                    }
                }
                assertTrue(refused != null && refused.unauthorizedTopics().contains("ledger"), "refused: " + refused);
                assertEquals(List.of("before"), seen, "nothing produced after the ACL went reaches the consumer");
            }
        }
    }
}
