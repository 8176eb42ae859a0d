package proto;

import java.io.*;
import java.nio.*;
import java.nio.channels.FileChannel;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.*;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.*;
import org.apache.ratis.protocol.*;
import org.apache.ratis.server.*;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.*;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** Design (a) prototype peer: payloads go through the data API into one append-only file, Raft entries carry only a header. */
public class Peer {
  static final RaftGroupId GROUP = RaftGroupId.valueOf(UUID.fromString("02511d47-d67c-49a3-9011-abb3109a44c1"));

  static RaftGroup group(String peers) {
    List<RaftPeer> list = new ArrayList<>();
    for (String p : peers.split(",")) { String[] f = p.split("@"); list.add(RaftPeer.newBuilder().setId(f[0]).setAddress(f[1]).build()); }
    return RaftGroup.valueOf(GROUP, list);
  }

  static RaftProperties properties(boolean unsafeFlush) {
    RaftProperties props = new RaftProperties();
    RaftServerConfigKeys.Log.StateMachineData.setCachingEnabled(props, true);
    GrpcConfigKeys.setMessageSizeMax(props, SizeInBytes.valueOf("16MB"));
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(props, unsafeFlush);
    // Two cores shared by three peers and a client: Ratis's 150-300 ms default elects leaders under load.
    RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(Long.getLong("rpc.min", 1000), TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(Long.getLong("rpc.max", 2000), TimeUnit.MILLISECONDS));
    return props;
  }

  public static void main(String[] a) throws Exception {
    String id = a[0]; RaftGroup group = group(a[1]); Path dir = Path.of(a[2]); boolean unsafe = Boolean.parseBoolean(a[3]);
    RaftProperties props = properties(unsafe);
    int port = Integer.parseInt(group.getPeer(RaftPeerId.valueOf(id)).getAddress().split(":")[1]);
    GrpcConfigKeys.Server.setPort(props, port);
    RaftServerConfigKeys.setStorageDir(props, List.of(dir.resolve("raft").toFile()));
    Files.createDirectories(dir);
    boolean fresh = !Files.exists(dir.resolve("raft"));
    RaftServer server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf(id)).setGroup(group).setProperties(props)
        .setStateMachine(new LogMachine(dir.resolve("commitlog"), unsafe))
        .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER).build();
    server.start();
    System.out.println("STARTED " + id);
    Thread.currentThread().join();
  }

  static final class LogMachine extends BaseStateMachine implements StateMachine.DataApi {
    private final FileChannel log;
    private final boolean noSync;
    private final ConcurrentHashMap<Long, CompletableFuture<long[]>> where = new ConcurrentHashMap<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> new Thread(r, "commitlog-writer"));
    private long end;

    LogMachine(Path file, boolean noSync) throws IOException {
      this.log = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
      this.end = log.size();
      this.noSync = noSync;
    }

    @Override public TransactionContext startTransaction(RaftClientRequest request) {
      ByteString data = request.getMessage().getContent();
      ByteString header = ByteString.copyFrom(ByteBuffer.allocate(8).putInt(0, data.size()).putInt(4, 0));
      return TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request)
          .setServerRole(RaftPeerRole.LEADER).setLogData(header).setStateMachineData(data).build();
    }

    @Override public CompletableFuture<?> write(LogEntryProto entry, TransactionContext ctx) {
      ByteString data = entry.getStateMachineLogEntry().getStateMachineEntry().getStateMachineData();
      long index = entry.getIndex();
      CompletableFuture<long[]> f = where.computeIfAbsent(index, i -> new CompletableFuture<>());
      return CompletableFuture.runAsync(() -> {
        try {
          long pos = end;
          for (ByteBuffer b : data.asReadOnlyByteBufferList()) { while (b.hasRemaining()) end += log.write(b, end); }
          f.complete(new long[] {pos, data.size()});
        } catch (IOException e) { throw new UncheckedIOException(e); }
      }, writer);
    }

    @Override public CompletableFuture<ByteString> read(LogEntryProto entry, TransactionContext ctx) {
      long[] w;
      try {
        w = where.computeIfAbsent(entry.getIndex(), i -> new CompletableFuture<>()).get(10, TimeUnit.SECONDS);
        ByteBuffer b = ByteBuffer.allocate((int) w[1]);
        log.read(b, w[0]);
        return CompletableFuture.completedFuture(ByteString.copyFrom(b.flip()));
      } catch (Exception e) { return CompletableFuture.failedFuture(e); }
    }

    @Override public CompletableFuture<Void> flush(long index) {
      if (noSync) return CompletableFuture.completedFuture(null);
      return CompletableFuture.runAsync(() -> { try { log.force(false); } catch (IOException e) { throw new UncheckedIOException(e); } }, writer);
    }

    @Override public CompletableFuture<Void> truncate(long index) {
      return CompletableFuture.runAsync(() -> {
        CompletableFuture<long[]> w = where.get(index);
        if (w != null && w.isDone()) { end = w.join()[0]; where.keySet().removeIf(i -> i >= index); }
      }, writer);
    }

    @Override public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
      LogEntryProto e = trx.getLogEntry();
      updateLastAppliedTermIndex(e.getTerm(), e.getIndex());
      where.remove(e.getIndex() - 1000);
      return CompletableFuture.completedFuture(Message.EMPTY);
    }
  }
}
