package io.ferrite.txn;

/**
 * Where producer ids come from: the broker's one allocator, shared with idempotent producers, so that no two
 * producers ever hold the same id. Called on the coordinator's thread; may block briefly (a new block of ids is
 * made durable before any is given out).
 */
@FunctionalInterface
public interface ProducerIdSource {
    long nextProducerId();
}
