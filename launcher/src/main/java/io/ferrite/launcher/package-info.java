/**
 * Brokers and tools as child processes on loopback ports, for the compatibility tests and the benchmark:
 * Ferrite as {@code bin/broker} runs it, Apache Kafka 4.3 from the jars Maven resolves, and Kafka's command-line
 * tools. Every child is stopped by its owner, by PID; a shutdown hook ({@code compat-child-reaper}) kills any
 * left when the JVM exits.
 */
package io.ferrite.launcher;
