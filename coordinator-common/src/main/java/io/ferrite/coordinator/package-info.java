/**
 * The runtime every coordinator shares (groups now, transactions next): one thread per coordinator that owns
 * all of its state, a log of its records in a pinned store partition, operations that apply records and answer
 * once they are durable, roll-back to the log when an append fails, replay on load, compaction and timers.
 * Depends on the store only; knows nothing of any one coordinator's records or of the Kafka protocol's
 * requests.
 */
package io.ferrite.coordinator;
