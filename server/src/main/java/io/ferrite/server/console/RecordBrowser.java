package io.ferrite.server.console;

import io.ferrite.storage.PartitionKey;
import io.ferrite.storage.ReadResult;
import io.ferrite.storage.Slice;
import io.ferrite.storage.Store;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.Record;
import org.apache.kafka.common.record.internal.RecordBatch;

/**
 * A partition's records as the console shows them, read from the store like a fetch (compressed batches are
 * inflated by kafka-clients' record classes): from an offset, or from the first record at or after a time, at
 * most {@link #MAX_RECORDS} of them and {@link #MAX_READ_BYTES} of batches. Keys, values and header values are
 * given as text when they are printable UTF-8 and always as hex, each cut at {@link #MAX_SHOWN_BYTES}.
 * Control batches (transaction markers) are skipped.
 */
final class RecordBrowser {
    static final int MAX_RECORDS = 100;
    static final int MAX_READ_BYTES = 1 << 20;
    static final int MAX_SHOWN_BYTES = 2048;

    private final Store store;

    RecordBrowser(Store store) {
        this.store = store;
    }

    /** The partition's first offset whose record is at or after {@code timestamp}; the log end if none. */
    long offsetFor(PartitionKey key, long timestamp) {
        try (ReadResult found = store.batchForTimestamp(key, timestamp)) {
            for (Slice s : found.batches()) {
                for (RecordBatch batch : MemoryRecords.readableRecords(s.buffer().duplicate()).batches()) {
                    if (batch.maxTimestamp() < timestamp) {
                        continue;
                    }
                    try (CloseableIterator<Record> records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
                        while (records.hasNext()) {
                            Record r = records.next();
                            if (r.timestamp() >= timestamp) {
                                return r.offset();
                            }
                        }
                    }
                }
            }
        }
        return store.logEndOffset(key);
    }

    /**
     * Up to {@code limit} records from {@code offset} (moved up to the log start if before it), with where the
     * next page starts.
     */
    Map<String, Object> read(PartitionKey key, long offset, int limit) {
        int max = Math.max(1, Math.min(limit, MAX_RECORDS));
        long from = Math.max(offset, store.logStartOffset(key));
        List<Map<String, Object>> records = new ArrayList<>();
        long next = from;
        long end = store.logEndOffset(key);
        while (records.size() < max && next < end) {
            long before = next;
            try (ReadResult read = store.read(key, next, MAX_READ_BYTES)) {
                for (Slice s : read.batches()) {
                    for (RecordBatch batch : MemoryRecords.readableRecords(s.buffer().duplicate()).batches()) {
                        if (records.size() >= max) {
                            break;
                        }
                        if (batch.isControlBatch()) {
                            next = Math.max(next, batch.nextOffset());
                            continue;
                        }
                        // Streamed: a compressed batch of many small records is never inflated all at once.
                        try (CloseableIterator<Record> it = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
                            while (records.size() < max && it.hasNext()) {
                                Record r = it.next();
                                if (r.offset() >= next) {
                                    records.add(describe(r, batch));
                                    next = r.offset() + 1;
                                }
                            }
                        }
                        if (records.size() < max) {
                            next = Math.max(next, batch.nextOffset());
                        }
                    }
                }
            }
            if (next == before) { // nothing readable there (a gap compaction left): stop rather than spin
                break;
            }
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("topic", key.topic());
        page.put("partition", key.partition());
        page.put("from", from);
        page.put("next", next);
        page.put("logStartOffset", store.logStartOffset(key));
        page.put("logEndOffset", end);
        page.put("records", records);
        return page;
    }

    private static Map<String, Object> describe(Record r, RecordBatch batch) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("offset", r.offset());
        m.put("timestamp", r.timestamp());
        m.put("timestampType", batch.timestampType().name);
        m.put("key", bytes(r.key()));
        m.put("value", bytes(r.value()));
        List<Map<String, Object>> headers = new ArrayList<>();
        for (Header h : r.headers()) {
            Map<String, Object> hm = new LinkedHashMap<>();
            hm.put("key", h.key());
            hm.put("value", bytes(h.value() == null ? null : ByteBuffer.wrap(h.value())));
            headers.add(hm);
        }
        m.put("headers", headers);
        return m;
    }

    /** Null for null; else its size, its text if printable UTF-8, and its hex, both cut at MAX_SHOWN_BYTES. */
    static Map<String, Object> bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        int size = b.remaining();
        byte[] shown = new byte[Math.min(size, MAX_SHOWN_BYTES)];
        b.duplicate().get(shown);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("size", size);
        m.put("text", text(shown, size > shown.length));
        m.put("hex", HexFormat.of().formatHex(shown));
        m.put("truncated", size > shown.length);
        return m;
    }

    /** The bytes as text, or null if they are not UTF-8 or hold control characters other than tab and newlines. */
    private static String text(byte[] bytes, boolean cut) {
        // A cut value may end inside a character: decoded as input that goes on, that end is not an error.
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        if (decoder.decode(ByteBuffer.wrap(bytes), out, !cut).isError() || (!cut && decoder.flush(out).isError())) {
            return null;
        }
        String s = out.flip().toString();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t') {
                return null;
            }
        }
        return s;
    }
}
