package io.ferrite.compat;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.GroupProtocol;

/**
 * A consumer-group member in a JVM of its own, so that a test can kill it with SIGKILL: no LeaveGroup, no
 * closed session, only heartbeats that stop. Arguments: bootstrap, group id, topic, group protocol
 * ({@code classic} or {@code consumer}), and the session timeout in ms of a classic member (a member of the
 * consumer protocol has the broker's). It prints each assignment it sees, and runs until killed.
 */
public final class GroupMemberMain {
    private GroupMemberMain() {
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String group = args[1];
        String topic = args[2];
        GroupProtocol protocol = GroupProtocol.of(args[3]);
        int classicSessionMs = Integer.parseInt(args[4]);
        Map<String, Object> config = new HashMap<>(FastGroups.member(protocol, classicSessionMs));
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "child-member");
        GroupMember member = GroupMember.start("child", Clients.groupConsumer(bootstrap, group, config), topic);
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
