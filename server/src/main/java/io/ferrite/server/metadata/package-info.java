/**
 * Topic and cluster state: the topic registry (names, ids, partition counts, configs; file {@code topics}),
 * its typed per-topic records, topic name rules, config changes, and the cluster identity
 * ({@code meta.properties}). The registry is read from any thread; it changes on {@code ferrite-admin} only.
 */
package io.ferrite.server.metadata;
