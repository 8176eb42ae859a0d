/**
 * Client quotas: {@link io.ferrite.server.quota.ClientQuotas}, the quotas set per user, client id or IP
 * address, durable in the data directory. Reads only the config package (and the store's file helpers); no
 * threads of its own.
 */
package io.ferrite.server.quota;
