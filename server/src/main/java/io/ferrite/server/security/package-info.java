/**
 * Who a connection is and what it may do. {@link io.ferrite.server.security.ListenerSecurity}: a listener's TLS
 * engines and the principal each connection acts as, from kafka-clients' own SSL engine factory and principal
 * builder. {@link io.ferrite.server.security.AuthorizedOperations}: with no authorizer yet, every operation a
 * resource type supports is reported as allowed, as a Kafka broker without one does. Reads only the config
 * package; no threads of its own.
 */
package io.ferrite.server.security;
