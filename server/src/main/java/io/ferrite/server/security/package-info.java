/**
 * What this broker says of authorization: with no authorizer, every operation a resource type supports is
 * reported as allowed, as a Kafka broker without one does. Mechanisms, principals and ACLs come here. No
 * state, no threads.
 */
package io.ferrite.server.security;
