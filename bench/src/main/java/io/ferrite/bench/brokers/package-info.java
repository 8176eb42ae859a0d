/**
 * Ferrite side by side with Apache Kafka 4.3 ({@code bin/bench-brokers}): the same workloads through Kafka's own
 * perf tools against each broker, alternating rounds, ratios of medians, broker CPU and memory, and ablations
 * (including {@code --before}, an earlier build). Runs on {@code main}; brokers and tools are child processes.
 */
package io.ferrite.bench.brokers;
