package org.kdml.pipeline;

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
}
