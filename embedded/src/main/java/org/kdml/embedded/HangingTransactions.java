package org.kdml.embedded;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.TopicPartition;

/**
 * Finds and aborts hanging transactions, as Kafka's {@code kafka-transactions.sh find-hanging} and
 * {@code abort} do: a partition holding an open transaction of a producer whose transaction
 * coordinator knows of no ongoing transaction of that producer and epoch that includes the
 * partition. The broker then never writes the transaction's marker, and everything after it stays
 * unreadable to read-committed consumers; on {@code __consumer_offsets} the group's committed
 * offsets stay "unstable", and a read-committed member of the group cannot even start.
 *
 * <p>The embedded broker can leave one behind when it is stopped while a transaction commits (a
 * chaos scenario and {@code PipelineIT} restart it mid-grid; seen on Kafka 4.4 with a pending
 * transactional offset commit of the evaluator). {@link EmbeddedKafka} sweeps for them while it
 * runs. On a real cluster an operator runs the same two commands.
 */
final class HangingTransactions {

    private HangingTransactions() {
    }

    /**
     * Aborts the hanging transactions on {@code partitions}.
     *
     * @param minAgeMillis how long ago a transaction's partition was last written, at least, for it
     *     to count as hanging (a transaction being committed right now is not)
     * @return the transactions aborted, as text (partition, producer id and epoch)
     */
    static List<String> abort(Admin admin, Collection<TopicPartition> partitions, long minAgeMillis)
            throws Exception {
        List<String> aborted = new ArrayList<>();
        long now = System.currentTimeMillis();
        Map<TopicPartition, PartitionProducerState> states =
                admin.describeProducers(partitions).all().get(30, TimeUnit.SECONDS);
        for (Map.Entry<TopicPartition, PartitionProducerState> e
                : states.entrySet()) {
            for (ProducerState p : e.getValue().activeProducers()) {
                if (p.currentTransactionStartOffset().isEmpty() || now - p.lastTimestamp() < minAgeMillis) {
                    continue;
                }
                if (!ongoing(admin, p, e.getKey())) {
                    admin.abortTransaction(new AbortTransactionSpec(e.getKey(), p.producerId(),
                            (short) p.producerEpoch(), p.coordinatorEpoch().orElse(0))).all().get(30, TimeUnit.SECONDS);
                    aborted.add(e.getKey() + " producer " + p.producerId() + " epoch " + p.producerEpoch());
                }
            }
        }
        return aborted;
    }

    /** @return whether the coordinator has a transaction of {@code p}'s producer and epoch on {@code tp} in progress */
    private static boolean ongoing(Admin admin, ProducerState p, TopicPartition tp) throws Exception {
        Collection<TransactionListing> listed = admin.listTransactions(new ListTransactionsOptions()
                .filterProducerIds(List.of(p.producerId()))).all().get(30, TimeUnit.SECONDS);
        for (TransactionListing l : listed) {
            TransactionDescription d = admin.describeTransactions(List.of(l.transactionalId())).all()
                    .get(30, TimeUnit.SECONDS).get(l.transactionalId());
            boolean open = d.state() == TransactionState.ONGOING || d.state() == TransactionState.PREPARE_COMMIT
                    || d.state() == TransactionState.PREPARE_ABORT || d.state() == TransactionState.PREPARE_EPOCH_FENCE;
            if (open && d.topicPartitions().contains(tp)) {
                return true;
            }
        }
        return false;
    }
}
