import io.ferrite.launcher.*;
import java.nio.file.*;
import java.util.*;
public class StartFerrites {
  public static void main(String[] a) throws Exception {
    Path dir = Path.of(a[0]);
    Path root = Path.of(System.getProperty("ferrite.root.dir"));
    List<String> jvm = Files.readAllLines(root.resolve("config/jvm.options")).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    List<FerriteProcess> nodes = new ArrayList<>();
    for (int i = 1; i <= 3; i++) nodes.add(FerriteProcess.start("f" + i, root, dir.resolve("node-" + i), Map.of(), jvm));
    System.out.println("BOOTSTRAP " + nodes.get(0).bootstrap());
    for (int i = 0; i < 3; i++) System.out.println("NODE " + (i + 1) + " " + nodes.get(i).process().pid() + " " + nodes.get(i).bootstrap());
    System.out.flush();
    while (!Files.exists(Path.of(a[1]))) Thread.sleep(500);
    for (FerriteProcess n : nodes) n.process().close();
  }
}
