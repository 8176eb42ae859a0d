package io.ferrite.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness end to end on small files and sub-second windows, and its two building blocks. */
class StoreBenchmarkTest {

    @Test
    void runsCasesWritesResultsAndDocAndCleansUp(@TempDir Path dir) throws IOException {
        Path data = dir.resolve("data");
        Path out = dir.resolve("out");
        Path doc = dir.resolve("PERFORMANCE.md");
        int status = StoreBenchmark.run(new String[] {"--seconds", "0.2", "--warmup", "0.05", "--repeat", "2",
            "--commitlog-bytes", Integer.toString(1 << 20), "--data-dir", data.toString(), "--out", out.toString(),
            "--markdown", doc.toString(),
            "--only", "^1k-8p-(async|sync)-64a$|ablation:1k-8p-async-64a:(default|pool=on)"});
        assertEquals(0, status);

        try (Stream<Path> left = Files.list(data)) {
            assertEquals(0, left.count(), "case directories are deleted");
        }
        Path tsv;
        try (Stream<Path> files = Files.list(out)) {
            tsv = files.filter(p -> p.toString().endsWith(".tsv")).findFirst().orElseThrow();
        }
        Report report = Report.read(tsv);
        assertEquals(8, report.runs.size(), "every case twice");
        assertEquals(4, report.results.size(), "one median run per case");
        for (Result r : report.results) {
            assertTrue(r.batches() > 0, r.workload().name() + " appended nothing");
            assertEquals(1024, r.batchBytes());
        }
        String md = Files.readString(doc);
        assertTrue(md.contains("Bar (a)") && md.contains("## Ablations"), md);

        // Regenerating from the file replaces the generated part instead of adding another.
        Files.writeString(doc, md.replace("# Store performance", "# Store performance\n\nHand-written notes."));
        assertEquals(0, StoreBenchmark.run(new String[] {"--from-tsv", tsv.toString(), "--markdown", doc.toString()}));
        String again = Files.readString(doc);
        assertEquals(1, again.split(Report.SECTION.begin(), -1).length - 1);
        assertTrue(again.contains("Hand-written notes."));
    }

    @Test
    void batchesHaveTheExactSizeAndAreValid() {
        for (int size : new int[] {1024, 16 * 1024}) {
            ByteBuffer[] bs = Batches.build(size, 3, 7);
            for (ByteBuffer b : bs) {
                assertEquals(size, b.remaining());
                List<MutableRecordBatch> parsed = new ArrayList<>();
                MemoryRecords.readableRecords(b.duplicate()).batches().forEach(parsed::add);
                assertEquals(1, parsed.size());
                parsed.get(0).ensureValid();
                assertEquals(Batches.recordCount(b), parsed.get(0).countOrNull());
            }
        }
    }

    @Test
    void percentilesAreWithinABucket() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++) {
            h.record(v * 1000);
        }
        assertEquals(50_000_000, h.percentile(0.50), 50_000_000 * 0.04);
        assertEquals(99_000_000, h.percentile(0.99), 99_000_000 * 0.04);
        assertEquals(100_000_000, h.max());
        assertEquals(100_000, h.count());
    }
}
