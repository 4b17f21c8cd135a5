package io.weir.kernel.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.weir.kernel.testing.NettyLeakCheck;
import io.weir.kernel.testing.RawClient;
import io.weir.kernel.testing.TestUpstream;
import io.weir.kernel.testing.Weir;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Route matching, virtual host selection, rewriting, header mutations, direct responses and
 * redirects, seen from a real client and (where a request is forwarded) from a real upstream.
 */
@ExtendWith(NettyLeakCheck.class)
class RoutingIntegrationTest {
    private static TestUpstream up;
    private static Weir weir;

    @BeforeAll
    static void start() throws Exception {
        up = new TestUpstream("echo");
        weir =
                Weir.start(
                        """
                        admin: { address: 127.0.0.1:0 }
                        listeners:
                          - name: ingress
                            address: 127.0.0.1:0
                            http:
                              virtual_hosts:
                                - name: exact
                                  domains: ["exact.test", "port.test:8080"]
                                  routes:
                                    - match: { prefix: "/only" }
                                      direct_response: { status: 200, body: "vh-exact" }
                                - name: suffix
                                  domains: ["*.suffix.test"]
                                  routes:
                                    - match: { prefix: "/" }
                                      direct_response: { status: 200, body: "vh-suffix" }
                                - name: deep-suffix
                                  domains: ["*.deep.suffix.test"]
                                  routes:
                                    - match: { prefix: "/" }
                                      direct_response: { status: 200, body: "vh-deep-suffix" }
                                - name: prefix
                                  domains: ["api.*"]
                                  routes:
                                    - match: { prefix: "/" }
                                      direct_response: { status: 200, body: "vh-prefix" }
                                - name: default
                                  domains: ["*"]
                                  request_headers:
                                    set: { x-vhost: default, x-order: vhost }
                                  response_headers:
                                    add: { x-vhost-resp: default }
                                  routes:
                                    - match: { path: "/exact" }
                                      direct_response: { status: 200, body: "path" }
                                    - match: { safe_regex: "/items/[0-9]+" }
                                      direct_response: { status: 200, body: "regex" }
                                    - match: { prefix: "/h", headers: [{ name: x-exact, exact: "yes" }] }
                                      direct_response: { status: 200, body: "h-exact" }
                                    - match: { prefix: "/h", headers: [{ name: x-prefix, prefix: "abc" }] }
                                      direct_response: { status: 200, body: "h-prefix" }
                                    - match: { prefix: "/h", headers: [{ name: x-regex, regex: "v[0-9]+" }] }
                                      direct_response: { status: 200, body: "h-regex" }
                                    - match: { prefix: "/h", headers: [{ name: x-present, present: true }] }
                                      direct_response: { status: 200, body: "h-present" }
                                    - match: { prefix: "/h" }
                                      direct_response: { status: 200, body: "h-none" }
                                    - match: { prefix: "/inv", headers: [{ name: x-deny, exact: "1", invert: true }] }
                                      direct_response: { status: 200, body: "inv-allowed" }
                                    - match: { prefix: "/inv" }
                                      direct_response: { status: 403, body: "inv-denied" }
                                    - match: { prefix: "/q", query_parameters: [{ name: debug, exact: "1" }] }
                                      direct_response: { status: 200, body: "q-exact" }
                                    - match: { prefix: "/q", query_parameters: [{ name: token, present: true }] }
                                      direct_response: { status: 200, body: "q-present" }
                                    - match: { prefix: "/q" }
                                      direct_response: { status: 200, body: "q-none" }
                                    - match: { prefix: "/m", methods: [POST, PUT] }
                                      direct_response: { status: 200, body: "m-write" }
                                    - match: { prefix: "/m" }
                                      direct_response: { status: 200, body: "m-other" }
                                    - match: { prefix: "/down" }
                                      direct_response: { status: 503, body: "maintenance" }
                                    - match: { prefix: "/CI/", case_sensitive: false }
                                      direct_response: { status: 200, body: "ci" }
                                    - match: { prefix: "/api/" }
                                      route: { cluster: backend, prefix_rewrite: "/v2/" }
                                    - match: { prefix: "/strip/" }
                                      route: { cluster: backend, prefix_rewrite: "/" }
                                    - match: { prefix: "/rwhost" }
                                      route: { cluster: backend, host_rewrite: "internal.example:9000" }
                                    - match: { prefix: "/xmut" }
                                      route: { cluster: backend }
                                      request_headers:
                                        add: { x-added: route }
                                        set: { x-set: route, x-order: route }
                                        remove: [x-remove-me]
                                      response_headers:
                                        add: { x-resp-added: route }
                                        set: { x-upstream: replaced }
                                        remove: [date]
                                    - match: { prefix: "/old/" }
                                      redirect: { prefix_rewrite: "/new/", response_code: 302 }
                                    - match: { path: "/gone" }
                                      redirect:
                                        scheme_redirect: https
                                        host_redirect: other.example
                                        port_redirect: 8443
                                        path_redirect: /landing
                                        strip_query: true
                                    - match: { path: "/keepq" }
                                      redirect: { path_redirect: /kept, response_code: 308 }
                                    - match: { prefix: "/" }
                                      route: { cluster: backend }
                        clusters:
                          - name: backend
                            endpoints: [{ address: "%s" }]
                        """
                                .formatted(up.address()));
    }

    @AfterAll
    static void stop() {
        weir.close();
        up.close();
    }

    private static RawClient.Response request(
            String method, String host, String target, String... headers) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(method)
                .append(' ')
                .append(target)
                .append(" HTTP/1.1\r\nHost: ")
                .append(host)
                .append("\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        sb.append("\r\n");
        try (RawClient c = new RawClient(weir.port())) {
            c.send(sb.toString());
            return c.read();
        }
    }

    private static RawClient.Response get(String host, String target, String... headers)
            throws IOException {
        return request("GET", host, target, headers);
    }

    // ---- matches

    @Test
    void pathMatchIsExact() throws Exception {
        assertThat(get("x", "/exact").body()).isEqualTo("path");
        assertThat(get("x", "/exact?a=1").body()).isEqualTo("path");
        // not a prefix match: /exactly falls through to the catch-all upstream route
        assertThat(get("x", "/exactly").body())
                .startsWith("name=echo\n")
                .contains("uri=/exactly\n");
    }

    @Test
    void safeRegexMatchesTheWholePath() throws Exception {
        assertThat(get("x", "/items/42").body()).isEqualTo("regex");
        assertThat(get("x", "/items/42?x=y").body()).isEqualTo("regex");
        assertThat(get("x", "/items/4x").body()).startsWith("name=echo\n");
        assertThat(get("x", "/items/42/more").body()).startsWith("name=echo\n");
    }

    @Test
    void headerMatchersExactPrefixRegexAndPresent() throws Exception {
        assertThat(get("x", "/h", "x-exact: yes").body()).isEqualTo("h-exact");
        assertThat(get("x", "/h", "x-exact: yes!").body()).isEqualTo("h-none");
        assertThat(get("x", "/h", "x-prefix: abcdef").body()).isEqualTo("h-prefix");
        assertThat(get("x", "/h", "x-prefix: xabc").body()).isEqualTo("h-none");
        assertThat(get("x", "/h", "x-regex: v12").body()).isEqualTo("h-regex");
        assertThat(get("x", "/h", "x-regex: v12a").body()).isEqualTo("h-none");
        assertThat(get("x", "/h", "x-present: ").body()).isEqualTo("h-present");
        assertThat(get("x", "/h").body()).isEqualTo("h-none");
    }

    @Test
    void invertedHeaderMatcherMatchesWhenTheHeaderDoesNot() throws Exception {
        assertThat(get("x", "/inv").body()).isEqualTo("inv-allowed");
        assertThat(get("x", "/inv", "x-deny: 0").body()).isEqualTo("inv-allowed");
        RawClient.Response denied = get("x", "/inv", "x-deny: 1");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("inv-denied");
    }

    @Test
    void queryParameterMatchersDecodeValues() throws Exception {
        assertThat(get("x", "/q?debug=1").body()).isEqualTo("q-exact");
        assertThat(get("x", "/q?a=b&debug=%31").body()).isEqualTo("q-exact");
        assertThat(get("x", "/q?debug=2").body()).isEqualTo("q-none");
        assertThat(get("x", "/q?token").body()).isEqualTo("q-present");
        assertThat(get("x", "/q?token=abc&debug=0").body()).isEqualTo("q-present");
        assertThat(get("x", "/q").body()).isEqualTo("q-none");
    }

    @Test
    void methodMatcherListsAllowedMethods() throws Exception {
        assertThat(request("POST", "x", "/m", "content-length: 0").body()).isEqualTo("m-write");
        assertThat(request("PUT", "x", "/m", "content-length: 0").body()).isEqualTo("m-write");
        assertThat(get("x", "/m").body()).isEqualTo("m-other");
        assertThat(request("DELETE", "x", "/m").body()).isEqualTo("m-other");
    }

    @Test
    void caseInsensitivePrefixMatch() throws Exception {
        assertThat(get("x", "/ci/a").body()).isEqualTo("ci");
        assertThat(get("x", "/Ci/a").body()).isEqualTo("ci");
        assertThat(get("x", "/CI/a").body()).isEqualTo("ci");
        // prefix matches are case-sensitive by default
        assertThat(get("x", "/API/x").body()).startsWith("name=echo\n").contains("uri=/API/x\n");
    }

    @Test
    void absoluteFormTargetChoosesTheVirtualHostAndIsForwardedInOriginForm() throws Exception {
        RawClient.Response r = get("ignored.example", "http://api.example.com/anything");
        assertThat(r.body()).isEqualTo("vh-prefix");
        RawClient.Response up = get("ignored.example", "http://Other.Example:8080/api/x?y=1");
        assertThat(up.body()).contains("uri=/v2/x?y=1\n", "h:host=Other.Example:8080\n");
    }

    // ---- virtual hosts

    @Test
    void virtualHostsByExactSuffixPrefixAndCatchAllDomains() throws Exception {
        assertThat(get("exact.test", "/only").body()).isEqualTo("vh-exact");
        assertThat(get("EXACT.Test", "/only").body()).isEqualTo("vh-exact");
        assertThat(get("a.suffix.test", "/").body()).isEqualTo("vh-suffix");
        assertThat(get("a.b.suffix.test", "/").body()).isEqualTo("vh-suffix");
        // the longest suffix wins
        assertThat(get("x.deep.suffix.test", "/").body()).isEqualTo("vh-deep-suffix");
        // "*.suffix.test" needs something before the dot
        assertThat(get("suffix.test", "/only").body()).startsWith("name=echo\n");
        assertThat(get("api.example.com", "/").body()).isEqualTo("vh-prefix");
        assertThat(get("other.example", "/exact").body()).isEqualTo("path");
    }

    @Test
    void hostPortIsIgnoredUnlessADomainNamesIt() throws Exception {
        assertThat(get("exact.test:9999", "/only").body()).isEqualTo("vh-exact");
        assertThat(get("a.suffix.test:81", "/").body()).isEqualTo("vh-suffix");
        assertThat(get("api.example.com:8443", "/").body()).isEqualTo("vh-prefix");
        assertThat(get("port.test:8080", "/only").body()).isEqualTo("vh-exact");
        // port.test is only known with port 8080: other ports and none go to the catch-all
        assertThat(get("port.test:9090", "/only").body()).startsWith("name=echo\n");
        assertThat(get("port.test", "/only").body()).startsWith("name=echo\n");
    }

    @Test
    void noMatchingRouteIs404WithTheConnectionKept() throws Exception {
        try (RawClient c = new RawClient(weir.port())) {
            c.send("GET /nothing HTTP/1.1\r\nHost: exact.test\r\n\r\n");
            RawClient.Response r = c.read();
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.body()).isEqualTo("no route\n");
            assertThat(r.header("server")).isEqualTo("weir");
            assertThat(r.header("connection")).isNull();
            c.send("GET /only HTTP/1.1\r\nHost: exact.test\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("vh-exact");
        }
        assertThat(weir.stat("weir_http_no_route{listener=\"ingress\"}")).isGreaterThanOrEqualTo(1);
    }

    // ---- rewriting and header mutations

    @Test
    void prefixRewriteIsSeenByTheUpstreamWithTheQuery() throws Exception {
        RawClient.Response r = get("x", "/api/users/7?x=1&y=%20");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("uri=/v2/users/7?x=1&y=%20\n");
        assertThat(get("x", "/strip/a/b").body()).contains("uri=/a/b\n");
    }

    @Test
    void hostRewriteReplacesTheHostHeaderUpstream() throws Exception {
        RawClient.Response r = get("client.example", "/rwhost/x");
        assertThat(r.body()).contains("uri=/rwhost/x\n").contains("h:host=internal.example:9000\n");
        assertThat(r.body()).doesNotContain("client.example");
        // without a rewrite the client's host goes through unchanged
        assertThat(get("client.example", "/plain").body()).contains("h:host=client.example\n");
    }

    @Test
    void routeAndVirtualHostRequestHeaderMutationsReachTheUpstream() throws Exception {
        RawClient.Response r =
                get("x", "/xmut", "x-remove-me: secret", "x-set: client", "x-added: client");
        String body = r.body();
        assertThat(body).doesNotContain("x-remove-me").doesNotContain("secret");
        assertThat(body).contains("h:x-set=route\n").doesNotContain("h:x-set=client");
        // add appends a second value to what the client sent
        assertThat(body).contains("h:x-added=client\n").contains("h:x-added=route\n");
        assertThat(body).contains("h:x-vhost=default\n");
        // route mutations apply first, then the virtual host's (Envoy's default order)
        assertThat(body).contains("h:x-order=vhost\n").doesNotContain("h:x-order=route");
    }

    @Test
    void routeAndVirtualHostResponseHeaderMutationsReachTheClient() throws Exception {
        RawClient.Response r = get("x", "/xmut");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-upstream")).isEqualTo("replaced");
        assertThat(r.header("x-resp-added")).isEqualTo("route");
        assertThat(r.header("x-vhost-resp")).isEqualTo("default");
        assertThat(r.header("date")).isNull();
        // without route mutations only the virtual host's apply
        RawClient.Response plain = get("x", "/plain");
        assertThat(plain.header("x-upstream")).isEqualTo("echo");
        assertThat(plain.header("date")).isNotNull();
        assertThat(plain.header("x-vhost-resp")).isEqualTo("default");
        assertThat(plain.header("x-resp-added")).isNull();
    }

    // ---- direct responses and redirects

    @Test
    void directResponseHasStatusBodyAndTheVirtualHostsResponseHeaders() throws Exception {
        RawClient.Response r = get("x", "/down");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.reason()).isEqualTo("Service Unavailable");
        assertThat(r.body()).isEqualTo("maintenance");
        assertThat(r.header("content-length")).isEqualTo("11");
        assertThat(r.header("content-type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(r.header("x-vhost-resp")).isEqualTo("default");
        RawClient.Response head = null;
        try (RawClient c = new RawClient(weir.port())) {
            c.send("HEAD /down HTTP/1.1\r\nHost: x\r\n\r\n");
            head = c.read(false, true);
            // no body after a HEAD: the next response follows at once
            c.send("GET /exact HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(c.read().body()).isEqualTo("path");
        }
        assertThat(head.status()).isEqualTo(503);
        assertThat(head.header("content-length")).isEqualTo("11");
    }

    @Test
    void redirectWithPrefixRewriteKeepsTheQuery() throws Exception {
        RawClient.Response r = get("shop.example", "/old/item?id=3");
        assertThat(r.status()).isEqualTo(302);
        assertThat(r.header("location")).isEqualTo("http://shop.example/new/item?id=3");
        assertThat(r.header("content-length")).isEqualTo("0");
        assertThat(r.body()).isEmpty();
    }

    @Test
    void redirectToSchemeHostPortAndPathStripsTheQuery() throws Exception {
        RawClient.Response r = get("shop.example:8080", "/gone?a=1");
        assertThat(r.status()).isEqualTo(301);
        assertThat(r.reason()).isEqualTo("Moved Permanently");
        assertThat(r.header("location")).isEqualTo("https://other.example:8443/landing");
        RawClient.Response keep = get("shop.example:8080", "/keepq?a=1");
        assertThat(keep.status()).isEqualTo(308);
        assertThat(keep.header("location")).isEqualTo("http://shop.example:8080/kept?a=1");
    }
}
