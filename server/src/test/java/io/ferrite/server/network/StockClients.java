package io.ferrite.server.network;

import io.ferrite.server.config.BrokerConfig;
import io.ferrite.server.security.ListenerSecurity;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the TLS and SASL tests do with stock clients on a listener they configured. */
final class StockClients {
    private StockClients() {
    }

    /**
     * Produces {@code count} records ("k0"/"v0" ...) to partition 0 of {@code topic} with the producer settings
     * {@code produce}, then reads partition 0 from the start with {@code consume}: the values read (within 30 s).
     */
    static List<String> produceAndReadBack(Properties produce, Properties consume, String topic, int count) {
        Properties pp = new Properties();
        pp.putAll(produce);
        pp.put("key.serializer", StringSerializer.class.getName());
        pp.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "v" + i));
            }
            producer.flush();
        }
        Properties cp = new Properties();
        cp.putAll(consume);
        cp.put("key.deserializer", StringDeserializer.class.getName());
        cp.put("value.deserializer", StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    values.add(r.value());
                }
            }
        }
        return values;
    }

    /**
     * A server on {@code security}'s listener whose Metadata answers with the principal the connection acts as, in
     * place of the cluster id: what the listener made of the client, as a stock client sees it. Closed by the caller.
     */
    static KafkaServer principalEcho(ListenerSecurity security, BrokerConfig config) throws Exception {
        KafkaServer[] server = new KafkaServer[1];
        ApiRegistry apis = new ApiRegistry().register(ApiKeys.METADATA, 0, 12,
                (RequestContext c, MetadataRequestData r) -> CompletableFuture.completedFuture(
                        new MetadataResponseData().setClusterId(c.principal().toString()).setControllerId(1)
                                .setBrokers(new MetadataResponseData.MetadataResponseBrokerCollection(List.of(
                                        new MetadataResponseBroker().setNodeId(1).setHost("127.0.0.1")
                                                .setPort(server[0].port())).iterator()))));
        SaslApis.register(apis);
        server[0] = new KafkaServer(config, List.of(security), apis, Clock.systemUTC()).start();
        return server[0];
    }
}
