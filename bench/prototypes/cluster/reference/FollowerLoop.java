import java.net.*;
import java.nio.*;
import java.nio.channels.*;
import java.util.*;
import org.apache.kafka.common.message.*;
import org.apache.kafka.common.protocol.*;
import org.apache.kafka.common.record.internal.*;
import org.apache.kafka.common.requests.*;

/** Design (b) stand-in: fetches a topic's partitions from a leader and appends the batches to a follower, as a replica fetcher would. */
public class FollowerLoop {
  static int corr;
  static AbstractResponse call(SocketChannel ch, ApiKeys api, short v, ApiMessage body) throws Exception {
    RequestHeader h = new RequestHeader(api, v, "follower", ++corr);
    ByteBuffer b = RequestUtils.serialize(h.data(), h.headerVersion(), body, v);
    ByteBuffer size = ByteBuffer.allocate(4).putInt(0, b.remaining());
    ch.write(new ByteBuffer[] {size, b});
    ByteBuffer len = ByteBuffer.allocate(4);
    while (len.hasRemaining()) if (ch.read(len) < 0) throw new EOFException();
    ByteBuffer resp = ByteBuffer.allocate(len.getInt(0));
    while (resp.hasRemaining()) if (ch.read(resp) < 0) throw new EOFException();
    resp.flip();
    return AbstractResponse.parseResponse(resp, h);
  }
  static class EOFException extends Exception {}
  static SocketChannel open(String hp) throws Exception {
    String[] f = hp.split(":"); SocketChannel ch = SocketChannel.open(new InetSocketAddress(f[0], Integer.parseInt(f[1])));
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true); return ch;
  }
  public static void main(String[] a) throws Exception {
    String topic = a[2]; int partitions = Integer.parseInt(a[3]); long target = Long.parseLong(a[4]);
    SocketChannel leader = open(a[0]), follower = open(a[1]);
    long[] next = new long[partitions];
    long copied = 0, bytes = 0;
    while (true) {
      long total = 0; for (long n : next) total += n;
      if (total >= target) break;
      FetchRequestData f = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(500).setMinBytes(1).setMaxBytes(10 << 20)
          .setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1);
      FetchRequestData.FetchTopic ft = new FetchRequestData.FetchTopic().setTopic(topic);
      for (int p = 0; p < partitions; p++) ft.partitions().add(new FetchRequestData.FetchPartition().setPartition(p).setFetchOffset(next[p]).setPartitionMaxBytes(1 << 20).setLogStartOffset(-1));
      f.topics().add(ft);
      FetchResponse r = (FetchResponse) call(leader, ApiKeys.FETCH, (short) 12, f);
      List<List<ByteBuffer>> perPartition = new ArrayList<>();
      List<Integer> index = new ArrayList<>();
      for (FetchResponseData.FetchableTopicResponse t : r.data().responses()) for (FetchResponseData.PartitionData pd : t.partitions()) {
        if (pd.errorCode() != 0) throw new IllegalStateException("fetch error " + pd.errorCode());
        MemoryRecords recs = (MemoryRecords) pd.records();
        if (recs == null || recs.sizeInBytes() == 0) continue;
        List<ByteBuffer> batches = new ArrayList<>();
        // whole batches only: a fetch may end in a partial one
        for (MutableRecordBatch batch : recs.batches()) {
          ByteBuffer b = ByteBuffer.allocate(batch.sizeInBytes()); batch.writeTo(b); b.flip(); batches.add(b);
          next[pd.partitionIndex()] = batch.lastOffset() + 1; bytes += batch.sizeInBytes();
        }
        if (!batches.isEmpty()) { perPartition.add(batches); index.add(pd.partitionIndex()); }
      }
      // Produce takes one batch per partition per request: send round k with each partition's k-th batch.
      for (int k = 0; ; k++) {
        ProduceRequestData pr = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(30000);
        ProduceRequestData.TopicProduceData tp = new ProduceRequestData.TopicProduceData().setName(topic);
        for (int i = 0; i < perPartition.size(); i++) if (k < perPartition.get(i).size())
          tp.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(index.get(i)).setRecords(MemoryRecords.readableRecords(perPartition.get(i).get(k))));
        if (tp.partitionData().isEmpty()) break;
        pr.topicData().add(tp);
        ProduceResponse presp = (ProduceResponse) call(follower, ApiKeys.PRODUCE, (short) 9, pr);
        presp.data().responses().forEach(t -> t.partitionResponses().forEach(pp -> { if (pp.errorCode() != 0) throw new IllegalStateException("produce error " + pp.errorCode() + " " + pp.errorMessage()); }));
      }
    }
    System.out.println("copied " + bytes + " bytes");
  }
}
