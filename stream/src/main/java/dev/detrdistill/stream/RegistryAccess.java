package dev.detrdistill.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How to reach a registry that asks who is calling: basic-auth credentials and a trust store for its TLS certificate.
 * Read from {@code --registry-config <file>} with Confluent's own keys ({@code basic.auth.user.info=user:password},
 * {@code schema.registry.ssl.truststore.location}, {@code .password}, {@code .type}); the producer's Apicurio serde and
 * the trainer's decoder both take it.
 *
 * @param userInfo {@code user:password}, or null
 * @param truststore a trust store file, or null (the JVM's default trust)
 * @param api which of the registry's APIs to use ({@code --registry-api}); null: {@link RegistryApi#AUTO}
 */
public record RegistryAccess(
        String userInfo, String truststore, String truststorePassword, String truststoreType, RegistryApi api)
        implements Serializable {
    public static final RegistryAccess NONE = new RegistryAccess(null, null, null, null);

    public RegistryAccess(String userInfo, String truststore, String truststorePassword, String truststoreType) {
        this(userInfo, truststore, truststorePassword, truststoreType, RegistryApi.AUTO);
    }

    /** The same access through another of the registry's APIs. */
    public RegistryAccess withApi(RegistryApi a) {
        return new RegistryAccess(userInfo, truststore, truststorePassword, truststoreType, a);
    }

    public RegistryAccess {
        api = api == null ? RegistryApi.AUTO : api;
        if (userInfo != null && !userInfo.contains(":")) {
            throw new IllegalArgumentException("basic.auth.user.info must be user:password");
        }
    }

    /** Reads a properties file with Confluent's registry client keys; an unknown key is named. */
    public static RegistryAccess read(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--registry-config " + file + " cannot be read: " + e.getMessage(), e);
        }
        for (String k : p.stringPropertyNames()) {
            if (!k.equals("basic.auth.user.info")
                    && !k.equals("basic.auth.credentials.source")
                    && !k.startsWith("schema.registry.ssl.truststore.")) {
                throw new IllegalArgumentException(
                        "--registry-config " + file + ": unknown key " + k + "; known: basic.auth.user.info, "
                                + "schema.registry.ssl.truststore.location, .password, .type");
            }
        }
        return new RegistryAccess(
                p.getProperty("basic.auth.user.info"),
                p.getProperty("schema.registry.ssl.truststore.location"),
                p.getProperty("schema.registry.ssl.truststore.password"),
                p.getProperty("schema.registry.ssl.truststore.type"));
    }

    /** The same settings as Apicurio's serde configuration keys. */
    public Map<String, Object> serdeConfig() {
        Map<String, Object> m = new HashMap<>();
        if (userInfo != null) {
            m.put("apicurio.registry.auth.username", userInfo.substring(0, userInfo.indexOf(':')));
            m.put("apicurio.registry.auth.password", userInfo.substring(userInfo.indexOf(':') + 1));
        }
        if (truststore != null) {
            m.put("apicurio.registry.tls.truststore.location", truststore);
            if (truststorePassword != null) {
                m.put("apicurio.registry.tls.truststore.password", truststorePassword);
            }
            m.put("apicurio.registry.tls.truststore.type", truststoreType == null ? "JKS" : truststoreType);
        }
        return m;
    }

    /** An HTTP client that trusts the configured store (or the JVM's defaults). */
    public HttpClient httpClient() {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (truststore != null) {
            try (InputStream in = Files.newInputStream(Path.of(truststore))) {
                KeyStore ks = KeyStore.getInstance(truststoreType == null ? "JKS" : truststoreType);
                ks.load(in, truststorePassword == null ? null : truststorePassword.toCharArray());
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                SSLContext ssl = SSLContext.getInstance("TLS");
                ssl.init(null, tmf.getTrustManagers(), null);
                b.sslContext(ssl);
            } catch (Exception e) {
                throw new IllegalArgumentException(
                        "registry trust store " + truststore + " cannot be loaded: " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    /** Adds the credentials, if any, to a request. */
    public HttpRequest.Builder authorize(HttpRequest.Builder request) {
        if (userInfo != null) {
            request.header(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8)));
        }
        return request;
    }
}
