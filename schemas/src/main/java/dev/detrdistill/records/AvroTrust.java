package dev.detrdistill.records;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to decode generated classes outside trusted packages. Every process that decodes
 * our records (the producer's inspect, Flink task managers) calls {@link #trustRecordClasses()} once
 * before the first decode; it adds this package to whatever is already trusted.
 */
public final class AvroTrust {
    private static volatile boolean installed;

    private AvroTrust() {}

    public static synchronized void trustRecordClasses() {
        if (installed) {
            return;
        }
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(
                ClassSecurityValidator.getGlobal(), type -> type.getName().startsWith("dev.detrdistill.records.")));
        installed = true;
    }
}
