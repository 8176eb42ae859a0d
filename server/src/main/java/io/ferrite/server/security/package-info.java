/**
 * Who a connection is and what it may do. {@link io.ferrite.server.security.ListenerSecurity}: a listener's TLS
 * engines, its SASL servers (PLAIN, SCRAM, OAUTHBEARER: kafka-clients' own) and the principal each connection
 * acts as. {@link io.ferrite.server.security.ScramCredentials} and {@link io.ferrite.server.security.AclStore}:
 * SCRAM users and ACLs, durable in the data directory. {@link io.ferrite.server.security.Authorization}: the
 * authorizer {@code authorizer.class.name} names (Kafka's StandardAuthorizer) or none.
 * {@link io.ferrite.server.security.AuthorizedOperations}: the operation sets of Kafka's authorized-operations
 * fields. Reads only the config package (and the store's file helpers); no threads of its own.
 */
package io.ferrite.server.security;
