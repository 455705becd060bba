package io.github.eventbus.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Checks webhook target URLs: http or https, a host, no user info; and, when asked, that the host
 * resolves only to public addresses (not loopback, private, link-local, carrier-grade NAT,
 * unique-local IPv6, multicast, unspecified, or IPv4-mapped or NAT64 forms of those).
 */
final class TargetUrls {

  private TargetUrls() {}

  static URI check(URI uri, boolean publicOnly) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("webhook URL must be http or https, but was " + uri);
    }
    if (uri.getHost() == null || uri.getHost().isBlank()) {
      throw new IllegalArgumentException("webhook URL has no host: " + uri);
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("webhook URL must not carry user info (credentials)");
    }
    if (publicOnly) {
      try {
        for (InetAddress address : InetAddress.getAllByName(uri.getHost())) {
          if (!isPublic(address)) {
            throw new IllegalArgumentException("webhook URL " + uri.getHost()
                + " resolves to a non-public address, refused by the public-only guard");
          }
        }
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("webhook URL host does not resolve: " + uri.getHost(), e);
      }
    }
    return uri;
  }

  static boolean isPublic(InetAddress address) {
    if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
        || address.isSiteLocalAddress() || address.isMulticastAddress()) {
      return false;
    }
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address) {
      int first = b[0] & 0xFF;
      int second = b[1] & 0xFF;
      return !(first == 0 || (first == 100 && second >= 64 && second <= 127) // 100.64.0.0/10
          || (first == 192 && second == 0 && (b[2] & 0xFF) == 0) || first >= 240);
    }
    if (address instanceof Inet6Address) {
      if ((b[0] & 0xFE) == 0xFC) { // fc00::/7 unique local
        return false;
      }
      boolean mapped = true; // ::ffff:a.b.c.d
      for (int i = 0; i < 10; i++) {
        mapped &= b[i] == 0;
      }
      mapped &= (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF;
      boolean nat64 = (b[0] & 0xFF) == 0x00 && (b[1] & 0xFF) == 0x64 && (b[2] & 0xFF) == 0xFF
          && (b[3] & 0xFF) == 0x9B; // 64:ff9b::/96
      if (mapped || nat64) {
        try {
          return isPublic(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
        } catch (UnknownHostException e) {
          return false;
        }
      }
    }
    return true;
  }
}
