/**
 * Command-line tools shipped in the distribution's {@code bin/}: the storage tool. They read the broker's
 * configuration and files; nothing in the broker depends on them.
 */
package io.ferrite.server.tool;
