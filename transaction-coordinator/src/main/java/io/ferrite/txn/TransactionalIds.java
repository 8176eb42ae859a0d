package io.ferrite.txn;

import io.ferrite.coordinator.CoordinatorState;
import io.ferrite.txn.TransactionRecord.Metadata;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Every transactional id this coordinator knows, with its state; rebuilt from the log. Coordinator thread only. */
final class TransactionalIds implements CoordinatorState<TransactionRecord> {
    private final Map<String, Metadata> byId = new HashMap<>();

    Metadata get(String transactionalId) {
        return byId.get(transactionalId);
    }

    /** Every id's state, as a copy (the caller may write while going through it). */
    List<Metadata> all() {
        return List.copyOf(byId.values());
    }

    @Override
    public void replay(TransactionRecord r) {
        if (r instanceof Metadata m) {
            byId.put(m.transactionalId(), m);
        } else {
            byId.remove(r.transactionalId());
        }
    }

    @Override
    public void unload() {
        byId.clear();
    }

    @Override
    public void snapshot(List<TransactionRecord> out) {
        out.addAll(byId.values());
    }
}
