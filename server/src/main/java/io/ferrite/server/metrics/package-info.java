/**
 * The broker's metrics: the beans Kafka's broker registers, under Kafka's JMX names (so JMX exporter rules and
 * dashboards written for Kafka work), Ferrite's own store metrics, and their Prometheus rendering. Reads the
 * config and topic metadata; measured by the network and data-plane packages.
 */
package io.ferrite.server.metrics;
