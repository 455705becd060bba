package io.github.eventbus.webhooks;

import io.github.eventbus.internal.LogText;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Checks webhook target URLs: http or https, a host, a port (if any) from 1 to 65535, no user
 * info; and, when asked, that the host resolves only to globally reachable addresses.
 *
 * <p>Refused are every range of the IANA IPv4 and IPv6 Special-Purpose Address Registries that is
 * not globally reachable, and more: IPv4 {@code 0.0.0.0/8}, {@code 10.0.0.0/8},
 * {@code 100.64.0.0/10}, {@code 127.0.0.0/8}, {@code 169.254.0.0/16}, {@code 172.16.0.0/12},
 * {@code 192.0.0.0/24}, {@code 192.0.2.0/24}, {@code 192.88.99.0/24}, {@code 192.168.0.0/16},
 * {@code 198.18.0.0/15}, {@code 198.51.100.0/24}, {@code 203.0.113.0/24}, multicast
 * {@code 224.0.0.0/4}, {@code 240.0.0.0/4} and the broadcast address; IPv6 anything outside
 * global unicast {@code 2000::/3} (loopback, unspecified, IPv4-compatible,
 * {@code 64:ff9b:1::/48}, discard {@code 100::/64}, segment routing {@code 5f00::/16},
 * unique-local {@code fc00::/7}, link- and site-local, multicast), and inside it
 * {@code 2001::/23} (except its globally reachable assignments {@code 2001:1::1/128},
 * {@code 2001:1::2/128}, {@code 2001:1::3/128}, {@code 2001:3::/32}, {@code 2001:4:112::/48},
 * {@code 2001:20::/28}, {@code 2001:30::/28}), documentation {@code 2001:db8::/32} and
 * {@code 3fff::/20}, and 6to4 {@code 2002::/16}. The NAT64 prefix {@code 64:ff9b::/96} is judged
 * by the IPv4 address it embeds, and an IPv4-mapped address ({@code ::ffff:0:0/96}), which
 * Java resolves to the IPv4 address itself and connects to over IPv4, is judged as that address.
 *
 * <p><b>Limit.</b> The check resolves the host itself; the JDK's {@code HttpClient} then resolves
 * it again to connect and offers no way to connect to the address that was checked. A host whose
 * DNS answer changes between the two (DNS rebinding) can therefore still reach a refused address.
 * Checking before every attempt narrows the window; it cannot close it. Where that matters, send
 * through an egress proxy that enforces the same rule on the address it connects to.
 */
final class TargetUrls {

  private record Range(byte[] prefix, int bits) {
    static Range of(String address, int bits) {
      try {
        return new Range(InetAddress.getByName(address).getAddress(), bits);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(address, e);
      }
    }

    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return (address[full] & mask) == (prefix[full] & mask);
    }
  }

  private static final List<Range> IPV4_REFUSED = List.of(
      Range.of("0.0.0.0", 8), Range.of("10.0.0.0", 8), Range.of("100.64.0.0", 10),
      Range.of("127.0.0.0", 8), Range.of("169.254.0.0", 16), Range.of("172.16.0.0", 12),
      Range.of("192.0.0.0", 24), Range.of("192.0.2.0", 24), Range.of("192.88.99.0", 24),
      Range.of("192.168.0.0", 16), Range.of("198.18.0.0", 15), Range.of("198.51.100.0", 24),
      Range.of("203.0.113.0", 24), Range.of("224.0.0.0", 4), Range.of("240.0.0.0", 4));
  private static final Range GLOBAL_UNICAST = Range.of("2000::", 3);
  private static final Range NAT64 = Range.of("64:ff9b::", 96);
  private static final List<Range> IPV6_REFUSED = List.of(
      Range.of("2001::", 23), Range.of("2001:db8::", 32), Range.of("2002::", 16),
      Range.of("3fff::", 20));
  private static final List<Range> IPV6_REACHABLE_EXCEPTIONS = List.of(
      Range.of("2001:1::1", 128), Range.of("2001:1::2", 128), Range.of("2001:1::3", 128),
      Range.of("2001:3::", 32), Range.of("2001:4:112::", 48), Range.of("2001:20::", 28),
      Range.of("2001:30::", 28));

  private TargetUrls() {}

  /**
   * Checks a URL; with {@code publicOnly}, also resolves its host and checks every address.
   *
   * @throws IllegalArgumentException if the URL is refused
   */
  static URI check(URI uri, boolean publicOnly) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    // The messages never quote the URL: its path or query may hold a token.
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("webhook URL must be http or https, but its scheme was "
          + (scheme.isEmpty() ? "missing" : "\"" + LogText.escape(scheme) + "\""));
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new IllegalArgumentException("webhook URL (" + scheme + ") has no host");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("webhook URL must not carry user info (credentials)");
    }
    // URI takes any run of digits as a port; no connection can be made to 0 or past 65535.
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      throw new IllegalArgumentException("webhook URL port must be 1 to 65535, but was "
          + uri.getPort());
    }
    if (publicOnly) {
      try {
        checkPublic(uri.getHost(), InetAddress.getAllByName(uri.getHost()));
      } catch (UnknownHostException e) {
        throw unresolved(uri.getHost(), e);
      }
    }
    return uri;
  }

  /**
   * The public-only guard on a host's addresses, looked up already.
   *
   * @throws IllegalArgumentException if one of them is not public
   */
  static void checkPublic(String host, InetAddress[] addresses) {
    for (InetAddress address : addresses) {
      if (!isPublic(address)) {
        throw new IllegalArgumentException("webhook URL " + LogText.escape(host)
            + " resolves to a non-public address, refused by the public-only guard");
      }
    }
  }

  /** A host that did not resolve: an attempt that failed, to be tried again. */
  static Unresolved unresolved(String host, Throwable cause) {
    return new Unresolved("webhook URL host does not resolve: " + LogText.escape(host), cause);
  }

  /**
   * The guard could not resolve the host, which may be passing (a DNS outage, a network not up
   * yet): an attempt that failed, not a target refused.
   */
  static final class Unresolved extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    Unresolved(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Tells whether an address is globally reachable by the rules above. */
  static boolean isPublic(InetAddress address) {
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      return isPublicIpv4(b);
    }
    if (NAT64.contains(b)) {
      return isPublicIpv4(Arrays.copyOfRange(b, 12, 16));
    }
    if (!GLOBAL_UNICAST.contains(b)) {
      return false;
    }
    for (Range exception : IPV6_REACHABLE_EXCEPTIONS) {
      if (exception.contains(b)) {
        return true;
      }
    }
    return IPV6_REFUSED.stream().noneMatch(r -> r.contains(b));
  }

  private static boolean isPublicIpv4(byte[] b) {
    boolean broadcast = (b[0] & b[1] & b[2] & b[3]) == (byte) 0xFF;
    return !broadcast && IPV4_REFUSED.stream().noneMatch(r -> r.contains(b));
  }
}
