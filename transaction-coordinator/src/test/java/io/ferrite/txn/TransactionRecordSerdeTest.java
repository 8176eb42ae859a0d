package io.ferrite.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ferrite.coordinator.CoordinatorSerde.Encoded;
import io.ferrite.txn.TransactionRecord.Metadata;
import io.ferrite.txn.TransactionRecord.Tombstone;
import java.nio.ByteBuffer;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class TransactionRecordSerdeTest {
    private static TransactionRecord roundTrip(TransactionRecord r) {
        Encoded e = TransactionRecordSerde.INSTANCE.encode(r);
        return TransactionRecordSerde.INSTANCE.decode(ByteBuffer.wrap(e.key()),
                e.value() == null ? null : ByteBuffer.wrap(e.value()));
    }

    @Test
    void metadataComesBackButTheEpochBeforeTheLastBump() {
        Metadata m = new Metadata("tx-ü", 42, 41, 43, (short) 7, (short) 6, 60_000, TransactionState.PREPARE_COMMIT,
                Set.of(new TopicPartition("b", 3), new TopicPartition("a", 0), new TopicPartition("b", 1)),
                1_700_000_000_000L, 1_700_000_000_500L, (short) 2);
        Metadata back = (Metadata) roundTrip(m);
        assertEquals(new Metadata("tx-ü", 42, 41, 43, (short) 7, (short) -1, 60_000, TransactionState.PREPARE_COMMIT,
                m.partitions(), 1_700_000_000_000L, 1_700_000_000_500L, (short) 2), back);
    }

    @Test
    void aTombstoneHasNoValue() {
        assertNull(TransactionRecordSerde.INSTANCE.encode(new Tombstone("tx")).value());
        assertEquals(new Tombstone("tx"), roundTrip(new Tombstone("tx")));
    }

    @Test
    void everyStoredStateKeepsItsKafkaId() {
        for (TransactionState s : TransactionState.values()) {
            assertEquals(s, TransactionState.of(s.id()));
        }
        assertEquals(3, TransactionState.PREPARE_ABORT.id());
        assertEquals("CompleteCommit", TransactionState.COMPLETE_COMMIT.kafkaName());
    }
}
