package io.l7mp.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throw-away PKI made at test time, in process: a CA, a server certificate for 127.0.0.1/localhost, a client
 * certificate, and a client certificate from another CA; written as PEM files (keys as PKCS#8). The certificates are
 * encoded here with a few lines of DER rather than with keytool, which would cost a JVM start per step.
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'");

    public final Path dir;
    public final Path caCert;
    public final Path serverCert;
    public final Path serverKey;
    public final Path clientCert;
    public final Path clientKey;
    public final Path strangerCert;
    public final Path strangerKey;
    private final X509Certificate ca;
    private final X509Certificate client;
    private final PrivateKey clientPrivate;
    private final X509Certificate server;
    private final PrivateKey serverPrivate;

    private TestPki(Path dir) throws Exception {
        this.dir = dir;
        final KeyPair caKeys = keyPair();
        this.ca = sign("l7mp test CA", caKeys, "l7mp test CA", caKeys.getPrivate(), true);
        final KeyPair serverKeys = keyPair();
        this.server = sign("localhost", serverKeys, "l7mp test CA", caKeys.getPrivate(), false);
        this.serverPrivate = serverKeys.getPrivate();
        final KeyPair clientKeys = keyPair();
        this.client = sign("l7mp test client", clientKeys, "l7mp test CA", caKeys.getPrivate(), false);
        this.clientPrivate = clientKeys.getPrivate();
        final KeyPair otherCa = keyPair();
        final KeyPair strangerKeys = keyPair();
        final X509Certificate stranger = sign("stranger", strangerKeys, "other CA", otherCa.getPrivate(), false);
        caCert = write("ca.pem", pem("CERTIFICATE", ca.getEncoded()));
        serverCert = write("server.pem", pem("CERTIFICATE", server.getEncoded()));
        serverKey = write("server.key", pem("PRIVATE KEY", serverKeys.getPrivate().getEncoded()));
        clientCert = write("client.pem", pem("CERTIFICATE", client.getEncoded()));
        clientKey = write("client.key", pem("PRIVATE KEY", clientKeys.getPrivate().getEncoded()));
        strangerCert = write("stranger.pem", pem("CERTIFICATE", stranger.getEncoded()));
        strangerKey = write("stranger.key", pem("PRIVATE KEY", strangerKeys.getPrivate().getEncoded()));
    }

    /** Creates the certificates and keys as PEM files in {@code dir}. */
    public static TestPki create(Path dir) throws Exception {
        return new TestPki(dir);
    }

    /** Returns a JDK client context trusting the test CA, presenting the client certificate if asked. */
    public SSLContext jdkClientContext(boolean withClientCert) throws GeneralSecurityException, IOException {
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca);
        final TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = null;
        if (withClientCert) {
            final KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", clientPrivate, new char[0], new X509Certificate[] {client, ca});
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, new char[0]);
        }
        final SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return ctx;
    }

    /** Returns a JDK server context presenting the server certificate (for 127.0.0.1 and localhost). */
    public SSLContext jdkServerContext() throws GeneralSecurityException, IOException {
        final KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", serverPrivate, new char[0], new X509Certificate[] {server, ca});
        final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        final SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private Path write(String name, String content) throws IOException {
        final Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.US_ASCII);
        return p;
    }

    private static KeyPair keyPair() throws GeneralSecurityException {
        final KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    // ------------------------------------------------------------------ X.509 in DER

    private static final byte[] ECDSA_SHA256 = seq(oid(1, 2, 840, 10045, 4, 3, 2));

    private static X509Certificate sign(String subject, KeyPair keys, String issuer, PrivateKey issuerKey,
                                        boolean isCa) throws GeneralSecurityException {
        final ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        final byte[] extensions;
        if (isCa) {
            extensions = seq(
                    ext(oid(2, 5, 29, 19), true, seq(tlv(0x01, new byte[] {(byte) 0xff}))),
                    ext(oid(2, 5, 29, 15), true, tlv(0x03, new byte[] {1, (byte) 0x86})));
        } else {
            final byte[] san = seq(tlv(0x87, new byte[] {127, 0, 0, 1}),
                    tlv(0x82, "localhost".getBytes(StandardCharsets.US_ASCII)));
            extensions = seq(
                    ext(oid(2, 5, 29, 19), true, seq()),
                    ext(oid(2, 5, 29, 15), true, tlv(0x03, new byte[] {7, (byte) 0x80})),
                    ext(oid(2, 5, 29, 37), false, seq(oid(1, 3, 6, 1, 5, 5, 7, 3, 1), oid(1, 3, 6, 1, 5, 5, 7, 3, 2))),
                    ext(oid(2, 5, 29, 17), false, san));
        }
        final byte[] tbs = seq(
                tlv(0xa0, tlv(0x02, new byte[] {2})),
                tlv(0x02, new BigInteger(63, RANDOM).add(BigInteger.ONE).toByteArray()),
                ECDSA_SHA256,
                name(issuer),
                seq(time(now.minusHours(1)), time(now.plusDays(2))),
                name(subject),
                keys.getPublic().getEncoded(),
                tlv(0xa3, extensions));
        final Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(issuerKey);
        s.update(tbs);
        final byte[] sig = s.sign();
        final byte[] bits = new byte[sig.length + 1];
        System.arraycopy(sig, 0, bits, 1, sig.length);
        final byte[] cert = seq(tbs, ECDSA_SHA256, tlv(0x03, bits));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(cert));
    }

    private static byte[] name(String cn) {
        return seq(tlv(0x31, seq(oid(2, 5, 4, 3), tlv(0x0c, cn.getBytes(StandardCharsets.UTF_8)))));
    }

    private static byte[] time(ZonedDateTime t) {
        return tlv(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] ext(byte[] id, boolean critical, byte[] value) {
        return critical ? seq(id, tlv(0x01, new byte[] {(byte) 0xff}), tlv(0x04, value)) : seq(id, tlv(0x04, value));
    }

    private static byte[] oid(int... arcs) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        base128(out, 40 * arcs[0] + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            base128(out, arcs[i]);
        }
        return tlv(0x06, out.toByteArray());
    }

    private static void base128(ByteArrayOutputStream out, int v) {
        int shift = 28;
        while (shift > 0 && (v >>> shift) == 0) {
            shift -= 7;
        }
        for (; shift > 0; shift -= 7) {
            out.write(0x80 | ((v >>> shift) & 0x7f));
        }
        out.write(v & 0x7f);
    }

    private static byte[] seq(byte[]... parts) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] p : parts) {
            out.writeBytes(p);
        }
        return tlv(0x30, out.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] value) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 6);
        out.write(tag);
        final int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >>> 8);
            out.write(n & 0xff);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }
}
