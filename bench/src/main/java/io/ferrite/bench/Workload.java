package io.ferrite.bench;

import io.ferrite.storage.FlushMode;
import io.ferrite.storage.StoreConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One benchmark case: the workload shape and the store settings under test.
 *
 * @param group     {@code matrix} (the main grid) or {@code ablation} (one seed technique flipped)
 * @param variant   {@code default}, or which technique differs from the default config
 * @param batchSize target size of one record batch in bytes
 */
record Workload(String group, String variant, int batchSize, int partitions, FlushMode mode, int appenders,
                boolean warm, boolean mlock, boolean pool) {

    static final String MATRIX = "matrix";
    static final String ABLATION = "ablation";
    static final String DEFAULT = "default";

    /** The main grid plus the ablations, in run order. */
    static List<Workload> all() {
        List<Workload> out = new ArrayList<>();
        for (int batch : new int[] {1024, 16 * 1024}) {
            for (int partitions : new int[] {8, 1000}) {
                for (FlushMode mode : new FlushMode[] {FlushMode.ASYNC, FlushMode.SYNC}) {
                    StoreConfig d = StoreConfig.defaults(Path.of("."), mode);
                    for (int appenders : new int[] {1, 64}) {
                        out.add(new Workload(MATRIX, DEFAULT, batch, partitions, mode, appenders,
                                d.warmFiles(), d.mlock(), d.transientStorePoolEnabled()));
                    }
                }
            }
        }
        // Each technique flipped against the default on one representative workload. The default is run
        // again here, next to its variants, so the two default runs also show the run-to-run noise.
        for (FlushMode mode : new FlushMode[] {FlushMode.ASYNC, FlushMode.SYNC}) {
            StoreConfig d = StoreConfig.defaults(Path.of("."), mode);
            Workload base = new Workload(ABLATION, DEFAULT, 1024, 8, mode, 64,
                    d.warmFiles(), d.mlock(), d.transientStorePoolEnabled());
            out.add(base);
            out.add(base.withVariant("warm=" + onOff(!base.warm), !base.warm, base.mlock, base.pool));
            out.add(base.withVariant("mlock=" + onOff(!base.mlock), base.warm, !base.mlock, base.pool));
            out.add(base.withVariant("pool=" + onOff(!base.pool), base.warm, base.mlock, !base.pool));
        }
        return out;
    }

    private Workload withVariant(String v, boolean w, boolean m, boolean p) {
        return new Workload(group, v, batchSize, partitions, mode, appenders, w, m, p);
    }

    static String onOff(boolean b) {
        return b ? "on" : "off";
    }

    String modeName() {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    /** Short and unique, e.g. {@code 1k-8p-sync-64a} or {@code ablation:1k-8p-async-64a:pool=on}. */
    String name() {
        String shape = (batchSize / 1024) + "k-" + partitions + "p-" + modeName() + "-" + appenders + "a";
        return group.equals(MATRIX) ? shape : group + ":" + shape + ":" + variant;
    }

    /** The store config: the defaults of the flush mode, with this case's file size and techniques. */
    StoreConfig config(Path dir, int commitLogFileSize) {
        return StoreConfig.builder(dir, mode)
                .commitLogFileSize(commitLogFileSize)
                .warmFiles(warm)
                .mlock(mlock)
                .transientStorePoolEnabled(pool)
                .build();
    }
}
