/**
 * The broker's HTTP listener ({@code http.listener}), apart from the Kafka listeners: Prometheus metrics,
 * readiness, and the pages it is handed (the console's). Reads the metrics and a view of the store; only the
 * root package wires it.
 */
package io.ferrite.server.http;
