/**
 * The broker's composition root: {@link io.ferrite.server.Broker} opens the store, the topic registry and the
 * group coordinator, has each package register its APIs, starts the network server and closes it all in
 * order; {@link io.ferrite.server.Main} runs it from the command line. Runs on {@code main} at start and on
 * {@code ferrite-shutdown} at stop; holds no other state.
 *
 * <p>Packages depend one way: {@code config} ← {@code metadata} ← {@code log}, {@code admin}, {@code group},
 * {@code txn} → {@code network} (→ {@code config}); {@code security} is used by {@code admin}, {@code group}
 * and, later, {@code network}. {@code LayeringTest} holds the code to this.
 */
package io.ferrite.server;
