/**
 * What one misbehaving client does to Ferrite and to Apache Kafka 4.3, side by side ({@code bin/abuse}): a
 * Metadata request naming 20,000 new topics, gzip bombs, connections that announce a frame and never send it,
 * and fetches whose answers are never read. Each case runs on a fresh broker of each kind; the results
 * (times, error codes, memory, whether the broker lived, whether a stock client still works) go into one
 * table, and with {@code --markdown} into docs/RELIABILITY.md. Not part of the build's tests: it takes minutes.
 */
package io.ferrite.bench.abuse;
