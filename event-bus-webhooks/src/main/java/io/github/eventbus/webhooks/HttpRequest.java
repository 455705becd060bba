package io.github.eventbus.webhooks;

import java.util.List;
import java.util.Map;

/**
 * One request as the HTTP server read it.
 *
 * @param method the method, as sent
 * @param path the path of the target, without its query
 * @param headers header fields by name, case-insensitive
 * @param body the body, at most the limit
 * @param keepAlive whether the connection may carry another request after the answer
 */
record HttpRequest(
    String method, String path, Map<String, List<String>> headers, byte[] body, boolean keepAlive) {}
