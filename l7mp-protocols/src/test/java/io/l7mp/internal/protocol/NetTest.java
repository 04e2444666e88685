package io.l7mp.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.l7mp.spi.SessionError;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** What users read in session errors and metadata: addresses as l7mp writes them, connect errors in plain words. */
class NetTest {
    @Test
    void connectErrorsNameTheHostAndTheReasonOnly() {
        final SessionError refused = Net.connectFailure(new InetSocketAddress("127.0.0.1", 16201),
                new ConnectException("finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:16201"),
                502);
        assertThat(refused.getMessage()).isEqualTo("cannot connect to 127.0.0.1:16201: Connection refused");
        assertThat(refused.status()).isEqualTo(502);
        final SessionError unknown = Net.connectFailure(InetSocketAddress.createUnresolved("echo.example.invalid", 80),
                new UnknownHostException("echo.example.invalid"), 502);
        assertThat(unknown.getMessage()).isEqualTo("cannot resolve echo.example.invalid");
        assertThat(Net.connectFailure(new InetSocketAddress("::1", 80), new ConnectException("timed out"), 504)
                .getMessage()).isEqualTo("cannot connect to [0:0:0:0:0:0:0:1]:80: timed out");
    }

    @Test
    void aWildcardLocalAddressIsZeroZeroZeroZeroForIpv4PeersAsInL7mp() {
        final InetSocketAddress peer = new InetSocketAddress("127.0.0.1", 15001);
        final InetSocketAddress any = new InetSocketAddress(15000);   // the dual-stack wildcard, "::"
        assertThat(Net.tuple(peer, any)).isEqualTo("127.0.0.1:15001-0.0.0.0:15000");
        final ObjectNode md = Net.ipMetadata("UDP", peer, any);
        assertThat(md.at("/IP/dst_addr").asText()).isEqualTo("0.0.0.0");
        assertThat(Net.tuple(peer, new InetSocketAddress("127.0.0.1", 15000)))
                .isEqualTo("127.0.0.1:15001-127.0.0.1:15000");
    }
}
