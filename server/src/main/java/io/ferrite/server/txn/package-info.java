/**
 * Producer ids and transactions on the wire: InitProducerId (idempotent ids on {@code ferrite-admin}, since a new
 * id block is fsynced; transactional ids on the transaction coordinator's thread), AddPartitionsToTxn,
 * AddOffsetsToTxn, EndTxn and TxnOffsetCommit, and the markers the coordinator writes into the store.
 */
package io.ferrite.server.txn;
