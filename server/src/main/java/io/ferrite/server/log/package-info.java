/**
 * The data plane: Produce, Fetch (with the fetches that wait for data, thread {@code ferrite-fetch-timer}),
 * ListOffsets, OffsetForLeaderEpoch, DeleteRecords and DescribeLogDirs, on the store; and the one place
 * where storage failures become Kafka error codes ({@code StoreErrors}). Handlers run on network threads,
 * except DeleteRecords on {@code ferrite-admin}. {@link io.ferrite.server.log.LogApis#register} is the way in.
 */
package io.ferrite.server.log;
