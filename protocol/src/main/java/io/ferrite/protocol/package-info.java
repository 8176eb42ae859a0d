/**
 * The Kafka wire protocol on kafka-clients' generated classes: the frame decoder (size checked before anything
 * is allocated), request decoding and response encoding, Fetch responses that gather the store's slices
 * without copying, and produce-batch validation with Kafka's error codes. No state and no threads of its own:
 * it runs on the network thread that read the request.
 */
package io.ferrite.protocol;
