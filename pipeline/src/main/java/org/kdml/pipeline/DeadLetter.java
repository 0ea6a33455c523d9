package org.kdml.pipeline;

import java.nio.charset.CharacterCodingException;
import java.util.Arrays;
import java.util.Base64;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Input that was refused, on {@code kdml.dlq}.
 *
 * @param source the topic it came from
 * @param partition its partition
 * @param offset its offset
 * @param field the field at fault, when one is known
 * @param reason the error, naming the field or value
 * @param input the input as text (cut to 64 KiB), or its bytes in Base64 when they were not UTF-8
 * @param service the service that refused it
 * @param time milliseconds since the epoch
 */
public record DeadLetter(String source, int partition, long offset, String field, String reason, String input,
        String service, long time) {

    /** Longest input kept as text, in characters. */
    static final int TEXT_LIMIT = 65_536;
    /** Longest input kept as Base64, in bytes before encoding. */
    static final int BYTES_LIMIT = 49_152;

    /** A dead letter for {@code record}, its input cut to 64 KiB (Base64 when it is not UTF-8). */
    public static DeadLetter of(ConsumerRecord<String, byte[]> record, String field, String reason, String service) {
        byte[] v = record.value() == null ? new byte[0] : record.value();
        String input;
        try {
            input = Topic.utf8(v);
            if (input.length() > TEXT_LIMIT) {
                input = input.substring(0, TEXT_LIMIT) + "... (" + input.length() + " characters)";
            }
        } catch (CharacterCodingException e) {
            byte[] cut = v.length > BYTES_LIMIT ? Arrays.copyOf(v, BYTES_LIMIT) : v;
            input = "base64:" + Base64.getEncoder().encodeToString(cut);
        }
        return new DeadLetter(record.topic(), record.partition(), record.offset(), field, reason, input, service,
                System.currentTimeMillis());
    }
}
