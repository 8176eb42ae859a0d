package io.ferrite.storage;

import io.ferrite.storage.ProducerStateTable.AbortedTransaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One partition's aborted transactions on disk, so that no partition holds them in memory: the file
 * {@code aborted-transactions} in the partition's ConsumeQueue directory, one entry per transaction aborted
 * after writing here, in the order of their abort markers (so by last offset).
 *
 * <pre>
 * entry (36 bytes, big-endian):
 *   0  int64  producer id
 *   8  int64  first offset: the transaction's first batch in this partition
 *  16  int64  last offset: its abort marker
 *  24  int64  the partition's last stable offset once the marker was written
 *  32  int32  CRC-32C of bytes 0..31
 * </pre>
 *
 * An entry is written with a positional write when its marker is appended (under the append lock), so it is
 * in the page cache as soon as the marker is and survives a kill -9 with it. It is never fsynced on its own:
 * on open the store reads every batch of the partition anyway (its producer state), finds the aborts there,
 * and rewrites the file, durably, if it does not hold exactly those (entries lost to a power failure, a
 * damaged or missing file, or entries before the log start). A read_committed fetch looks entries up by
 * binary search on the last offset and stops, as Kafka's index does, at the first entry whose last stable
 * offset is at or past the range's end: any transaction aborted later started after it.
 *
 * <p>One writer at a time (the append lock, or recovery); readers use positional reads of the entries
 * published before them. The file is opened on first use, so a partition without transactions keeps no
 * descriptor.
 */
final class AbortedTransactionIndex implements AutoCloseable {
    static final String FILE = "aborted-transactions";
    static final int ENTRY_SIZE = 36;
    private static final Logger LOG = LogManager.getLogger(AbortedTransactionIndex.class);

    /** An entry: the aborted transaction and the last stable offset after its marker. */
    record Entry(AbortedTransaction transaction, long lastStableOffset) {
    }

    private final Path file;
    private FileChannel channel;
    /** Entries readers may see; raised only after an entry is written. */
    private volatile long count;

    AbortedTransactionIndex(Path file) {
        this.file = file;
    }

    /** Appends an entry after the last (append lock only). */
    synchronized void append(Entry e) {
        try {
            ByteBuffer b = encode(e);
            long at = count * ENTRY_SIZE;
            FileChannel ch = channel();
            while (b.hasRemaining()) {
                at += ch.write(b, at);
            }
            count++;
        } catch (IOException ex) {
            throw StoreException.fromIo("cannot write the aborted-transaction index", file, ex);
        }
    }

    /**
     * Makes the file hold exactly {@code entries} (recovery's aborts, from the log start on): kept as it is if it
     * already does, rewritten and fsynced otherwise.
     */
    synchronized void reconcile(List<Entry> entries) {
        List<Entry> onDisk = readValid();
        if (onDisk.equals(entries)) {
            count = entries.size();
            return;
        }
        if (!onDisk.isEmpty() || Files.exists(file)) {
            LOG.info("{}: {} entries on disk, {} in the log; rewritten from the log", file, onDisk.size(),
                    entries.size());
        }
        try {
            closeChannel();
            if (entries.isEmpty()) {
                Files.deleteIfExists(file);
                count = 0;
                return;
            }
            ByteBuffer all = ByteBuffer.allocate(entries.size() * ENTRY_SIZE);
            entries.forEach(e -> all.put(encode(e)));
            AtomicFiles.replace(file, all.flip());
            count = entries.size();
        } catch (IOException ex) {
            throw StoreException.fromIo("cannot rewrite the aborted-transaction index", file, ex);
        }
    }

    /**
     * Drops the entries of aborts at or after {@code logEnd} (a follower's cut), by lowering the count readers go
     * by: the next entry is written over the first dropped one, and those after it are past the count. The file is
     * not rewritten, since fetches read it meanwhile; an open rewrites it if it holds more than the log's aborts.
     */
    synchronized void cutAt(long logEnd) {
        long keep = 0;
        try {
            FileChannel ch = count == 0 ? null : channel();
            while (keep < count && read(ch, keep).transaction().lastOffset() < logEnd) {
                keep++; // in marker order, so by last offset: the kept ones are a prefix
            }
        } catch (IOException ex) {
            throw StoreException.fromIo("cannot read the aborted-transaction index", file, ex);
        }
        count = keep;
    }

    /** Entries written so far. */
    long count() {
        return count;
    }

    /**
     * The first {@code n} entries on disk, or null if fewer than {@code n} are there and valid (lost with the
     * page cache, or damaged): what a producer-state snapshot counted must still be there for it to be used.
     */
    synchronized List<Entry> validPrefix(int n) {
        List<Entry> valid = readValid();
        return valid.size() < n ? null : new ArrayList<>(valid.subList(0, n));
    }

    /** The entries on disk up to the first one that is cut or fails its CRC. */
    private List<Entry> readValid() {
        List<Entry> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
            while (b.remaining() >= ENTRY_SIZE) {
                Entry e = decode(b.slice(b.position(), ENTRY_SIZE));
                if (e == null) {
                    break;
                }
                out.add(e);
                b.position(b.position() + ENTRY_SIZE);
            }
        } catch (IOException ex) {
            LOG.warn("cannot read {}; it is rebuilt from the log", file, ex);
            return List.of();
        }
        return out;
    }

    /**
     * The aborted transactions that may hold records in {@code [fromOffset, upToOffset)}: those whose marker is
     * at or after {@code fromOffset} and whose first offset is before {@code upToOffset}, in marker order.
     */
    List<AbortedTransaction> collect(long fromOffset, long upToOffset) {
        long n = count;
        List<AbortedTransaction> out = new ArrayList<>();
        if (n == 0) {
            return out;
        }
        try {
            FileChannel ch = channel();
            long lo = 0;
            long hi = n;
            while (lo < hi) { // the first entry whose marker is at or after fromOffset
                long mid = (lo + hi) >>> 1;
                if (read(ch, mid).transaction().lastOffset() < fromOffset) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            for (long i = lo; i < n; i++) {
                Entry e = read(ch, i);
                if (e.transaction().firstOffset() < upToOffset) {
                    out.add(e.transaction());
                }
                if (e.lastStableOffset() >= upToOffset) {
                    break; // every later abort is of a transaction that started at or after it
                }
            }
        } catch (IOException ex) {
            throw StoreException.fromIo("cannot read the aborted-transaction index", file, ex);
        }
        return out;
    }

    private Entry read(FileChannel ch, long index) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(ENTRY_SIZE);
        long at = index * ENTRY_SIZE;
        while (b.hasRemaining()) {
            int n = ch.read(b, at + b.position());
            if (n < 0) {
                throw new IOException("entry " + index + " is past the end of " + file);
            }
        }
        Entry e = decode(b.flip());
        if (e == null) {
            throw new IOException("entry " + index + " of " + file + " fails its CRC");
        }
        return e;
    }

    private synchronized FileChannel channel() throws IOException {
        if (channel == null) {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        }
        return channel;
    }

    static ByteBuffer encode(Entry e) {
        ByteBuffer b = ByteBuffer.allocate(ENTRY_SIZE).putLong(e.transaction().producerId())
                .putLong(e.transaction().firstOffset()).putLong(e.transaction().lastOffset())
                .putLong(e.lastStableOffset());
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, ENTRY_SIZE - 4);
        return b.putInt((int) crc.getValue()).flip();
    }

    /** The entry in {@code b} (36 bytes from its position), or null if it fails its CRC. */
    static Entry decode(ByteBuffer b) {
        byte[] bytes = new byte[ENTRY_SIZE];
        b.duplicate().get(bytes);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, ENTRY_SIZE - 4);
        ByteBuffer v = ByteBuffer.wrap(bytes);
        if ((int) crc.getValue() != v.getInt(ENTRY_SIZE - 4)) {
            return null;
        }
        return new Entry(new AbortedTransaction(v.getLong(0), v.getLong(8), v.getLong(16)), v.getLong(24));
    }

    private void closeChannel() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    /** Removes the file (the partition is deleted). */
    synchronized void delete() {
        try {
            closeChannel();
            Files.deleteIfExists(file);
        } catch (IOException ex) {
            LOG.warn("cannot delete {}", file, ex);
        }
        count = 0;
    }

    @Override
    public synchronized void close() {
        try {
            closeChannel();
        } catch (IOException ex) {
            LOG.warn("cannot close {}", file, ex);
        }
    }
}
