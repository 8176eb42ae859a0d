/**
 * Producer ids (InitProducerId, on {@code ferrite-admin}, since a new id block is fsynced), and the wire
 * adapter to the transaction coordinator when transactions are built.
 */
package io.ferrite.server.txn;
