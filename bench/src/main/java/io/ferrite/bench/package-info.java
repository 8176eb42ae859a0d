/**
 * The store's own benchmark ({@code bin/bench-storage}: batch size by partitions by flush mode by appenders,
 * with ablations), and what both benchmarks share: results files, reports and the generated sections of the
 * performance docs. Runs on {@code main}, with one named thread per append loop while a case runs.
 */
package io.ferrite.bench;
