package io.ferrite.server.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

class AdminExecutorTest {
    @Test
    void handlersRunOnTheAdminThreadOneAtATimeInOrder() throws Exception {
        List<String> ran = new ArrayList<>();
        List<CompletableFuture<?>> done = new ArrayList<>();
        try (AdminExecutor admin = new AdminExecutor()) {
            ApiHandler<MetadataRequestData> h = admin.offload((context, request) -> {
                ran.add(Thread.currentThread().getName());
                return CompletableFuture.completedFuture(new MetadataResponseData());
            });
            for (int i = 0; i < 5; i++) {
                done.add(h.handle(RequestContext.of(ApiKeys.METADATA, 12), new MetadataRequestData()));
            }
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        }
        assertEquals(List.of("ferrite-admin", "ferrite-admin", "ferrite-admin", "ferrite-admin", "ferrite-admin"),
                ran);
    }

    @Test
    void closeFinishesQueuedWorkAndThenRefuses() throws Exception {
        AdminExecutor admin = new AdminExecutor();
        CompletableFuture<String> slow = admin.run(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.completedFuture("done");
        });
        admin.close();
        assertTrue(slow.isDone());
        assertEquals("done", slow.get());
        CompletableFuture<String> late = admin.run(() -> CompletableFuture.completedFuture("never"));
        assertThrows(ExecutionException.class, () -> late.get(5, TimeUnit.SECONDS));
    }
}
