/**
 * The wire adapter to the group coordinator (module {@code group-coordinator}): FindCoordinator, and each
 * group and offset API with its version differences sorted out, handed to the coordinator's thread. Runs on
 * network threads; holds no state.
 */
package io.ferrite.server.group;
