/**
 * Connections and dispatch: the Netty server ({@link io.ferrite.server.network.KafkaServer}, threads
 * {@code ferrite-acceptor} and {@code ferrite-network-*}), one {@code RequestDispatcher} per connection that
 * answers in request order, the {@link io.ferrite.server.network.ApiRegistry} where every API is registered
 * once with its versions and typed handler, the {@link io.ferrite.server.network.RequestContext} handlers
 * receive, and the {@link io.ferrite.server.network.AdminExecutor} (thread {@code ferrite-admin}) for
 * handlers that must not run on a network thread; each connection's TLS and SASL state
 * ({@code ClientSession}), and the {@link io.ferrite.server.network.Access} rule every API is registered with,
 * which the registry applies around the handler when the broker has an authorizer. Knows no API's meaning.
 */
package io.ferrite.server.network;
