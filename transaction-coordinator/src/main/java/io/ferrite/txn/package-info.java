/**
 * The transaction coordinator: transactional ids, their producer ids and epochs, and the state of each one's
 * transaction ({@link io.ferrite.txn.TransactionState}), as records in a pinned store partition replayed on
 * start. All of its state lives on the thread {@code ferrite-transaction-coordinator} of its
 * {@link io.ferrite.coordinator.CoordinatorRuntime}; {@link io.ferrite.txn.TransactionCoordinator} is the only
 * way in. Knows nothing of the network or the broker.
 */
package io.ferrite.txn;
