package io.ferrite.storage;

import java.util.List;

/**
 * Batches read from one partition, as held slices of the mapped files. Close it (or each slice) once the
 * bytes are written out; until then no file under it can be unmapped.
 *
 * @param batches        whole record batches in offset order, each a zero-copy view
 * @param highWatermark  the partition's log end offset when read
 * @param logStartOffset the partition's log start offset when read
 */
public record ReadResult(List<Slice> batches, long highWatermark, long logStartOffset) implements AutoCloseable {

    public int sizeInBytes() {
        int n = 0;
        for (Slice s : batches) {
            n += s.size();
        }
        return n;
    }

    @Override
    public void close() {
        for (Slice s : batches) {
            s.close();
        }
    }
}
