import io.ferrite.launcher.*;
import java.nio.file.*;
import java.util.*;
public class StartKafkaCluster {
  public static void main(String[] a) throws Exception {
    Path dir = Path.of(a[0]);
    List<String> jvm = List.of("-Xms1g","-Xmx1g","-server","-XX:+UseG1GC","-XX:MaxGCPauseMillis=20","-XX:InitiatingHeapOccupancyPercent=35","-XX:+ExplicitGCInvokesConcurrent");
    try (KafkaCluster c = KafkaCluster.start("ref", dir, 3, Map.of(), jvm)) {
      System.out.println("BOOTSTRAP " + c.bootstrap());
      for (KafkaProcess n : c.nodes()) System.out.println("NODE " + n.nodeId() + " " + n.process().pid() + " " + n.bootstrap());
      System.out.flush();
      while (!Files.exists(Path.of(a[1]))) Thread.sleep(500);
    }
  }
}
