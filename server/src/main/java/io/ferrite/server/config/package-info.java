/**
 * Parsing and validation of settings, with no state of their own: the broker's properties
 * ({@link io.ferrite.server.config.BrokerConfig}) and every topic-level config Kafka defines
 * ({@link io.ferrite.server.config.TopicConfigs}, on Kafka's {@code ConfigDef}), with the broker defaults
 * that stand behind them ({@link io.ferrite.server.config.TopicDefaults}). Thread-safe: immutable values.
 */
package io.ferrite.server.config;
