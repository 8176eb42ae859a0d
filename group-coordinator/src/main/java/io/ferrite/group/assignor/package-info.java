/**
 * The server-side assignors of consumer groups ("uniform" and "range"): pure functions from members,
 * subscriptions and partition counts to a target assignment, called on the group coordinator's thread.
 */
package io.ferrite.group.assignor;
