/**
 * The web console the HTTP listener serves: a single page (bundled, with its chart library, into the broker's
 * jar: nothing is fetched from the internet) and the read-only JSON it draws from: the cluster, topics and their
 * records, groups with their lag, and the store's internals. Reads metadata, metrics and the coordinators.
 */
package io.ferrite.server.console;
