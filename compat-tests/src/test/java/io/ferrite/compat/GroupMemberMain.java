package io.ferrite.compat;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * A consumer-group member in a JVM of its own, so that a test can kill it with SIGKILL: no LeaveGroup, no
 * closed session, only heartbeats that stop. Arguments: bootstrap, group id, topic, session timeout in ms.
 * It prints each assignment it sees, and runs until killed.
 */
public final class GroupMemberMain {
    private GroupMemberMain() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String group = args[1];
        String topic = args[2];
        int sessionTimeoutMs = Integer.parseInt(args[3]);
        GroupMember member = GroupMember.start("child", Clients.groupConsumer(bootstrap, group, Map.of(
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic",
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, sessionTimeoutMs,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(100, sessionTimeoutMs / 10),
                ConsumerConfig.CLIENT_ID_CONFIG, "child-member")), topic);
        Object last = null;
        while (true) {
            member.checkHealthy();
            if (!member.assigned().equals(last)) {
                last = member.assigned();
                System.out.println("generation " + member.generation() + " assigned " + last);
            }
            Thread.sleep(100);
        }
    }
}
