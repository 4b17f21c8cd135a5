package io.weir.kernel.upstream;

import io.netty.channel.EventLoop;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.weir.kernel.config.ClusterConfig;
import io.weir.kernel.config.HostPort;
import io.weir.kernel.dispatch.Transport;
import io.weir.kernel.stats.Stats;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * All clusters of the running config. Endpoints given as IP literals are used as they are;
 * endpoints given by name are resolved asynchronously with Netty's DNS resolver (which reads {@code
 * /etc/hosts} first) on the main loop, and re-resolved every {@code dns_refresh_rate}; a changed
 * answer swaps the cluster's host set whole. A failed lookup keeps the last good answer.
 */
public final class ClusterManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterManager.class);

    private final Map<String, Cluster> clusters = new LinkedHashMap<>();
    private final EventLoop main;
    private final Transport transport;
    private DnsNameResolver resolver;
    private volatile boolean closed;

    public ClusterManager(
            List<ClusterConfig> configs, Stats stats, EventLoop main, Transport transport) {
        this.main = main;
        this.transport = transport;
        for (ClusterConfig c : configs) {
            clusters.put(c.name(), new Cluster(c, new ClusterStats(stats, c.name())));
        }
    }

    public Cluster get(String name) {
        return clusters.get(name);
    }

    public Iterable<Cluster> all() {
        return clusters.values();
    }

    /** Sets static host sets now and starts DNS for named endpoints. */
    public void start() {
        for (Cluster c : clusters.values()) {
            if (allLiteral(c.config)) {
                List<InetSocketAddress> hosts = new ArrayList<>();
                for (HostPort hp : c.config.endpoints()) {
                    hosts.add(literal(hp));
                }
                c.setHosts(hosts);
                c.markInitialized();
            } else {
                main.execute(() -> resolve(c));
            }
        }
    }

    /** Whether every cluster has its first host set. */
    public boolean initialized() {
        for (Cluster c : clusters.values()) {
            if (!c.initialized()) {
                return false;
            }
        }
        return true;
    }

    private static boolean allLiteral(ClusterConfig c) {
        for (HostPort hp : c.endpoints()) {
            if (!NetUtil.isValidIpV4Address(hp.host()) && !NetUtil.isValidIpV6Address(hp.host())) {
                return false;
            }
        }
        return true;
    }

    private static InetSocketAddress literal(HostPort hp) {
        byte[] raw = NetUtil.createByteArrayFromIpAddressString(hp.host());
        try {
            return new InetSocketAddress(InetAddress.getByAddress(raw), hp.port());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("validated address did not parse: " + hp, e);
        }
    }

    private DnsNameResolver resolver() {
        if (resolver == null) {
            resolver =
                    new DnsNameResolverBuilder(main)
                            .datagramChannelType(transport.datagramChannel())
                            .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
                            .build();
        }
        return resolver;
    }

    /** Resolves every endpoint of {@code c} (main loop), then schedules the next refresh. */
    private void resolve(Cluster c) {
        if (closed) {
            return;
        }
        List<HostPort> eps = c.config.endpoints();
        List<List<InetSocketAddress>> answers =
                new ArrayList<>(java.util.Collections.nCopies(eps.size(), null));
        int[] left = {eps.size()};
        for (int i = 0; i < eps.size(); i++) {
            HostPort hp = eps.get(i);
            int idx = i;
            if (NetUtil.isValidIpV4Address(hp.host()) || NetUtil.isValidIpV6Address(hp.host())) {
                answers.set(idx, List.of(literal(hp)));
                left[0]--;
                continue;
            }
            resolver()
                    .resolveAll(hp.host())
                    .addListener(
                            (Future<List<InetAddress>> f) -> {
                                if (f.isSuccess()) {
                                    // Envoy's V4_PREFERRED: the IPv4 answers when there are any
                                    List<InetSocketAddress> a = new ArrayList<>();
                                    boolean anyV4 = false;
                                    for (InetAddress ia : f.getNow()) {
                                        anyV4 |= ia instanceof java.net.Inet4Address;
                                    }
                                    for (InetAddress ia : f.getNow()) {
                                        if (!anyV4 || ia instanceof java.net.Inet4Address) {
                                            a.add(new InetSocketAddress(ia, hp.port()));
                                        }
                                    }
                                    answers.set(idx, a);
                                } else {
                                    log.warn(
                                            "dns resolution failed cluster={} host={} error=\"{}\"",
                                            c.name(),
                                            hp.host(),
                                            f.cause().getMessage());
                                }
                                if (--left[0] == 0) {
                                    applyAnswers(c, answers);
                                }
                            });
        }
        if (left[0] == 0) {
            applyAnswers(c, answers);
        }
    }

    private void applyAnswers(Cluster c, List<List<InetSocketAddress>> answers) {
        List<InetSocketAddress> hosts = new ArrayList<>();
        boolean anyFailed = false;
        for (List<InetSocketAddress> a : answers) {
            if (a == null) {
                anyFailed = true;
            } else {
                for (InetSocketAddress x : a) {
                    if (!hosts.contains(x)) {
                        hosts.add(x);
                    }
                }
            }
        }
        // keep the last good answer when a lookup failed and produced nothing new
        if (!(anyFailed && hosts.isEmpty() && !c.hosts().isEmpty()) && !hosts.equals(c.hosts())) {
            c.setHosts(hosts);
            log.info("cluster hosts updated cluster={} hosts={}", c.name(), hosts.size());
        }
        c.markInitialized();
        if (!closed) {
            main.schedule(
                    () -> resolve(c), c.config.dnsRefreshRate().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (resolver != null) {
            main.execute(resolver::close);
        }
    }
}
