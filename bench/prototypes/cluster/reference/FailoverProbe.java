import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.*;
public class FailoverProbe {
  public static void main(String[] a) throws Exception {
    List<String> lines = Files.readAllLines(Path.of(a[0]));
    String bootstrap = lines.stream().filter(l -> l.startsWith("BOOTSTRAP")).findFirst().get().split(" ")[1];
    Map<Integer, Long> pids = new HashMap<>();
    for (String l : lines) if (l.startsWith("NODE")) { String[] f = l.split(" "); pids.put(Integer.parseInt(f[1]), Long.parseLong(f[2])); }
    String topic = a[1];
    int leader;
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      leader = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(0).leader().id();
    }
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap); p.put("acks", "all"); p.put("enable.idempotence", "true");
    p.put("linger.ms", "0"); p.put("delivery.timeout.ms", "120000");
    AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE), firstAfter = new AtomicLong(Long.MAX_VALUE);
    AtomicLong errors = new AtomicLong();
    try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      long killAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < end && (firstAfter.get() == Long.MAX_VALUE)) {
        if (killedAt.get() == Long.MAX_VALUE && System.nanoTime() > killAt) {
          new ProcessBuilder("kill", "-9", Long.toString(pids.get(leader))).inheritIO().start().waitFor();
          killedAt.set(System.nanoTime());
          System.out.println("killed node " + leader + " pid " + pids.get(leader));
        }
        prod.send(new ProducerRecord<>(topic, 0, null, new byte[1024]), (md, e) -> {
          long now = System.nanoTime();
          if (e != null) { errors.incrementAndGet(); return; }
          if (now > killedAt.get()) firstAfter.compareAndSet(Long.MAX_VALUE, now);
        });
        Thread.sleep(5);
      }
      prod.flush();
    }
    System.out.printf("failover kill->first ack on partition 0: %.0f ms, errors %d%n", (firstAfter.get() - killedAt.get()) / 1e6, errors.get());
  }
}
