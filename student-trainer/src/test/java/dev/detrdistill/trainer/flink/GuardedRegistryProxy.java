package dev.detrdistill.trainer.flink;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A registry that asks who is calling: basic auth (and, optionally, TLS with a self-signed certificate) in front of
 * the embedded registry, forwarding what it lets through. Counts what it refused and passed.
 */
final class GuardedRegistryProxy implements AutoCloseable {
    static final String STORE_PASSWORD = "changeit";

    private final HttpServer server;
    private final String scheme;
    final AtomicInteger refused = new AtomicInteger();
    final AtomicInteger passed = new AtomicInteger();

    private GuardedRegistryProxy(HttpServer server, String scheme) {
        this.server = server;
        this.scheme = scheme;
    }

    /** Plain HTTP with basic auth. */
    static GuardedRegistryProxy http(String upstream, String userInfo) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        return start(s, "http", upstream, userInfo);
    }

    /** HTTPS with the key in {@code keystore} (see {@link #selfSigned}) and basic auth. */
    static GuardedRegistryProxy https(String upstream, String userInfo, Path keystore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, STORE_PASSWORD.toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        HttpsServer s = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setHttpsConfigurator(new HttpsConfigurator(ssl));
        return start(s, "https", upstream, userInfo);
    }

    /**
     * A self-signed certificate for 127.0.0.1 made with the JDK's keytool: {@code dir/server.p12} holds the key,
     * {@code dir/trust.p12} only the certificate (what a client trusts).
     */
    static void selfSigned(Path dir) throws Exception {
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Path cert = dir.resolve("server.crt");
        run(
                keytool,
                "-genkeypair",
                "-alias",
                "registry",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-storetype",
                "PKCS12",
                "-keystore",
                dir.resolve("server.p12").toString(),
                "-storepass",
                STORE_PASSWORD);
        run(
                keytool,
                "-exportcert",
                "-alias",
                "registry",
                "-rfc",
                "-file",
                cert.toString(),
                "-keystore",
                dir.resolve("server.p12").toString(),
                "-storepass",
                STORE_PASSWORD);
        run(
                keytool,
                "-importcert",
                "-noprompt",
                "-alias",
                "registry",
                "-file",
                cert.toString(),
                "-storetype",
                "PKCS12",
                "-keystore",
                dir.resolve("trust.p12").toString(),
                "-storepass",
                STORE_PASSWORD);
    }

    String url() {
        return scheme + "://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private static GuardedRegistryProxy start(HttpServer s, String scheme, String upstream, String userInfo) {
        GuardedRegistryProxy proxy = new GuardedRegistryProxy(s, scheme);
        String expected = "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
        HttpClient client = HttpClient.newHttpClient();
        s.createContext("/", exchange -> {
            try (exchange) {
                if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                    proxy.refused.incrementAndGet();
                    exchange.sendResponseHeaders(401, -1);
                    return;
                }
                proxy.passed.incrementAndGet();
                byte[] body = exchange.getRequestBody().readAllBytes();
                HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
                        .method(
                                exchange.getRequestMethod(),
                                body.length == 0
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(body));
                exchange.getRequestHeaders().forEach((k, v) -> {
                    if (!Set.of("host", "content-length", "connection", "authorization", "upgrade", "expect")
                            .contains(k.toLowerCase())) {
                        v.forEach(x -> forward.header(k, x));
                    }
                });
                HttpResponse<byte[]> r = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                r.headers().firstValue("Content-Type").ifPresent(ct -> exchange.getResponseHeaders()
                        .add("Content-Type", ct));
                exchange.sendResponseHeaders(r.statusCode(), r.body().length == 0 ? -1 : r.body().length);
                exchange.getResponseBody().write(r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        s.start();
        return proxy;
    }

    private static void run(String... command) throws Exception {
        Process p =
                new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }
}
