package io.github.eventbus.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The outgoing address guard against the IANA special-purpose registries. */
class TargetUrlsTest {

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "0.1.2.3", "10.1.2.3", "100.64.0.1", "100.127.255.255",
      "127.0.0.1", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.1", "192.0.0.170",
      "192.0.2.1", "192.88.99.1", "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7",
      "203.0.113.9", "224.0.0.1", "239.255.255.255", "240.0.0.1", "255.255.255.255",
      "::", "::1", "::ffff:127.0.0.1", "::8.8.8.8", "64:ff9b::7f00:1",
      "64:ff9b:1::1", "100::1", "2001::1", "2001:2::1", "2001:10::1", "2001:db8::1",
      "2001:db8:ffff::1", "2002:c000:0204::1", "3fff::1", "3fff:fff::1", "5f00::1", "fc00::1",
      "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1"})
  void notGloballyReachable_isRefused(String address) throws Exception {
    assertThat(TargetUrls.isPublic(InetAddress.getByName(address))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.32.0.1",
      "192.0.3.1", "192.31.196.1", "192.52.193.1", "192.175.48.1", "198.17.255.255", "198.20.0.1",
      "203.0.114.1", "223.255.255.255", "2001:4860:4860::8888", "2606:4700::1111",
      "64:ff9b::808:808", "2001:1::1", "2001:3::1", "2001:4:112::1", "2001:20::1",
      "2001:30::1", "2620:4f:8000::1", "3fff:1000::1",
      "::ffff:8.8.8.8" /* Java reads an IPv4-mapped address as the IPv4 address itself */})
  void globallyReachable_isAllowed(String address) throws Exception {
    assertThat(TargetUrls.isPublic(InetAddress.getByName(address))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://192.0.2.1/x", "https://198.51.100.1/x", "http://203.0.113.5/",
      "http://198.18.0.1/", "http://[2001:db8::1]/", "http://[::ffff:10.0.0.1]/",
      "http://localhost/"})
  void publicOnlyCheck_refusesDocumentationBenchmarkingAndLocalTargets(String url) {
    assertThatThrownBy(() -> TargetUrls.check(URI.create(url), true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-public");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ftp://8.8.8.8/", "http://user:pw@8.8.8.8/", "http:///x",
      "http://8.8.8.8:0/x", "http://8.8.8.8:65536/x", "https://8.8.8.8:99999999999/x"})
  void badUrls_areRefusedEvenWithoutTheGuard(String url) {
    assertThatThrownBy(() -> TargetUrls.check(URI.create(url), false))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://8.8.8.8:1/x", "http://8.8.8.8:65535/x", "https://8.8.8.8/x"})
  void portsAConnectionCanUse_areAccepted(String url) {
    assertThat(TargetUrls.check(URI.create(url), false)).isEqualTo(URI.create(url));
  }
}
