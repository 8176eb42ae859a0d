package proto;

import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.*;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/** Sends count entries of size bytes with window outstanding; prints MB/s and latency percentiles. */
public class Load {
  public static void main(String[] a) throws Exception {
    RaftGroup group = Peer.group(a[0]); int count = Integer.parseInt(a[1]); int size = Integer.parseInt(a[2]); int window = Integer.parseInt(a[3]);
    long pace = a.length > 4 ? Long.parseLong(a[4]) : 0; // ms between sends (failover mode)
    byte[] payload = new byte[size]; new Random(1).nextBytes(payload);
    ByteString data = ByteString.copyFrom(payload);
    try (RaftClient client = RaftClient.newBuilder().setRaftGroup(group).setProperties(Peer.properties(false)).build()) {
      Semaphore permits = new Semaphore(window);
      long[] lat = new long[count]; AtomicInteger failed = new AtomicInteger();
      long start = System.nanoTime();
      long lastAck = start; long maxGap = 0;
      for (int i = 0; i < count; i++) {
        permits.acquire();
        long sent = System.nanoTime(); int n = i;
        client.async().send(Message.valueOf(data)).whenComplete((r, e) -> {
          lat[n] = System.nanoTime() - sent;
          if (e != null || !r.isSuccess()) failed.incrementAndGet();
          if (pace > 0 && r != null) System.out.println("ACK " + n + " " + System.currentTimeMillis() + " " + r.getServerId());
          permits.release();
        });
        if (pace > 0) Thread.sleep(pace);
      }
      permits.acquire(window);
      double secs = (System.nanoTime() - start) / 1e9;
      long[] s = lat.clone(); Arrays.sort(s);
      System.out.printf("%d x %d B in %.2f s: %.1f MB/s, p50 %.1f ms, p99 %.1f ms, failed %d%n", count, size, secs,
          (double) count * size / 1e6 / secs, s[count / 2] / 1e6, s[(int) (count * 0.99)] / 1e6, failed.get());
    }
  }
}
