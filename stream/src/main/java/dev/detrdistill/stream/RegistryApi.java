package dev.detrdistill.stream;

/**
 * Which API of the schema registry the project talks to ({@code --registry-api}). The bytes on the wire are the same
 * in every case: Confluent's wire format (magic byte 0, a 4-byte schema id, Avro binary).
 */
public enum RegistryApi {
    /**
     * The default. Schemas are registered and looked up through the Confluent REST API. A URL with no path
     * ({@code http://host:port}) is taken as Apicurio's root, whose Confluent API is under {@code /apis/ccompat/v7}; a
     * URL with a path is the Confluent API root itself.
     */
    AUTO,
    /** The URL is a Confluent API root even without a path: Confluent Schema Registry, Karapace, Redpanda. */
    CONFLUENT,
    /** Apicurio's own serde and native API ({@code /apis/registry/v2}) for the producer; ids read as before. */
    APICURIO_NATIVE;

    /** The Confluent REST API root for a registry URL under this choice. */
    public String confluentRoot(String registryUrl) {
        String base = registryUrl.replaceAll("/+$", "");
        if (this == CONFLUENT || base.contains("/apis/ccompat") || !base.matches("https?://[^/]+")) {
            return base;
        }
        return base + "/apis/ccompat/v7";
    }

    /** Parses {@code auto}, {@code confluent} or {@code apicurio-native}; names the choices otherwise. */
    public static RegistryApi parse(String text) {
        for (RegistryApi a : values()) {
            if (a.name().replace('_', '-').equalsIgnoreCase(text)) {
                return a;
            }
        }
        throw new IllegalArgumentException(
                "--registry-api " + text + " is not one of auto, confluent, apicurio-native");
    }
}
