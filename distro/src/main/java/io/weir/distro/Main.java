package io.weir.distro;

import io.weir.kernel.config.ConfigException;
import io.weir.kernel.config.ListenerConfig;
import io.weir.kernel.config.WeirConfig;
import io.weir.kernel.server.BuildInfo;
import io.weir.kernel.server.Reloader;
import io.weir.kernel.server.ServerOptions;
import io.weir.kernel.server.StartupException;
import io.weir.kernel.server.WeirServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/**
 * The {@code weir} command: {@code run}, {@code validate}, {@code version}, {@code help}.
 *
 * <p>Everything a user can get wrong (arguments, config, a busy port) ends in one line starting
 * {@code weir: } and an exit code: 0 success, 1 the work failed, 2 the command line was wrong. A
 * stack trace is printed only after such a line, for an internal error.
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    static final String USAGE_TEXT =
            """
            usage: weir <command> [options]

            commands:
              run         start the proxy; serve until SIGINT/SIGTERM or POST /quitquitquit
              validate    check a config file and print every error in it
              version     print the version (also --version)
              help        print this help (also -h, --help)

            options:
              -c, --config FILE   the config file (default: $WEIR_HOME/conf/weir.yaml)
              --concurrency N     run: worker threads, an integer >= 1 (default: one per core)
              --nio               run: use Java NIO instead of the native epoll transport

            exit status: 0 ok, 1 failed (bad config, cannot start), 2 bad command line
            """;

    private Main() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /**
     * Runs one command. {@code run} blocks until the server has stopped.
     *
     * @return the process exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String home = System.getProperty("weir.home");
        return run(args, out, err, home == null || home.isEmpty() ? null : Path.of(home));
    }

    static int run(String[] args, PrintStream out, PrintStream err, Path weirHome) {
        Command command;
        try {
            command = Command.parse(args);
        } catch (UsageException e) {
            err.println("weir: " + e.getMessage());
            if (e.showUsage) {
                err.println();
                err.print(USAGE_TEXT);
            }
            return USAGE;
        }
        switch (command.name) {
            case "help":
                out.print(USAGE_TEXT);
                return OK;
            case "version":
                out.println("weir " + BuildInfo.version());
                return OK;
            default:
                break;
        }
        Path file = command.config;
        if (file == null) {
            if (weirHome == null) {
                err.println(
                        "weir: no config file: give one with -c FILE (or start weir through"
                                + " bin/weir, which sets weir.home)");
                return USAGE;
            }
            file = weirHome.resolve("conf").resolve("weir.yaml");
        }
        Reloader reloader = new Reloader(file, Main.class.getClassLoader());
        WeirConfig config = load(reloader, file, err);
        if (config == null) {
            reloader.close();
            return FAILED;
        }
        if (command.name.equals("validate")) {
            reloader.close();
            out.println("ok: " + file);
            return OK;
        }
        ServerOptions options =
                new ServerOptions(
                        command.concurrency == 0
                                ? ServerOptions.defaults().concurrency()
                                : command.concurrency,
                        command.forceNio);
        try {
            return serve(file, reloader, config, options, out, err);
        } finally {
            reloader.close();
        }
    }

    /**
     * Loads and checks the config and the plugins it names (built-ins are found with ServiceLoader
     * on Weir's class path), or prints why not and returns null.
     */
    private static WeirConfig load(Reloader reloader, Path file, PrintStream err) {
        try {
            return reloader.load();
        } catch (ConfigException e) {
            err.println("weir: invalid config " + file + ":");
            for (String line : e.errors()) {
                err.println("  " + line);
            }
        } catch (IOException e) {
            err.println("weir: cannot read config " + file + ": " + describe(e));
        } catch (RuntimeException e) {
            internalError("while loading config " + file, e, err);
        }
        return null;
    }

    private static int serve(
            Path file,
            Reloader reloader,
            WeirConfig config,
            ServerOptions options,
            PrintStream out,
            PrintStream err) {
        WeirServer[] holder = new WeirServer[1];
        Thread hook =
                new Thread(
                        () -> {
                            if (holder[0] != null) {
                                holder[0].close();
                            }
                        },
                        "weir-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        WeirServer server = null;
        try {
            try {
                server = reloader.start(options);
                holder[0] = server;
                reloader.watch();
            } catch (StartupException e) {
                err.println("weir: " + e.getMessage());
                return FAILED;
            } catch (IOException e) {
                err.println("weir: cannot watch the config file for changes: " + describe(e));
                return FAILED;
            } catch (RuntimeException e) {
                return internalError("while starting", e, err);
            }
            printBanner(file, config, options, server, out);
            try {
                server.terminated().join();
            } catch (CompletionException | CancellationException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                err.println("weir: stopped after an error: " + cause);
                cause.printStackTrace(err);
                return FAILED;
            }
            out.println("weir: stopped");
            return OK;
        } finally {
            if (server != null) {
                server.close();
            }
            removeHook(hook);
        }
    }

    private static int internalError(String when, RuntimeException e, PrintStream err) {
        err.println(
                "weir: internal error "
                        + when
                        + ": "
                        + e
                        + " (please report it with the stack trace below)");
        e.printStackTrace(err);
        return FAILED;
    }

    private static void printBanner(
            Path file,
            WeirConfig config,
            ServerOptions options,
            WeirServer server,
            PrintStream out) {
        out.println(
                "weir "
                        + BuildInfo.version()
                        + " config="
                        + file
                        + " transport="
                        + server.transport()
                        + " workers="
                        + options.concurrency());
        Map<String, InetSocketAddress> bound = server.listenerAddresses();
        InetSocketAddress first = null;
        for (ListenerConfig listener : config.listeners()) {
            InetSocketAddress address = bound.get(listener.name());
            if (address == null) {
                continue;
            }
            if (first == null) {
                first = address;
            }
            out.println("listening name=" + listener.name() + " address=" + url(address, false));
        }
        InetSocketAddress admin = server.adminAddress();
        if (admin != null) {
            out.println("admin address=" + url(admin, false));
        }
        if (first != null) {
            out.println("try: curl -s " + url(first, true) + "/");
        }
        if (admin != null) {
            out.println("stop: Ctrl-C, or curl -s -X POST " + url(admin, true) + "/quitquitquit");
        }
        out.flush();
    }

    /**
     * {@code http://host:port}; with {@code reachable}, a wildcard bind becomes the loopback
     * address a local client can connect to.
     */
    static String url(InetSocketAddress address, boolean reachable) {
        InetAddress ip = address.getAddress();
        String host;
        if (ip == null) {
            host = address.getHostString();
        } else if (reachable && ip.isAnyLocalAddress()) {
            host = ip instanceof Inet6Address ? "[::1]" : "127.0.0.1";
        } else if (ip instanceof Inet6Address) {
            String literal = ip.getHostAddress();
            int zone = literal.indexOf('%');
            host = "[" + (zone >= 0 ? literal.substring(0, zone) : literal) + "]";
        } else {
            host = ip.getHostAddress();
        }
        return "http://" + host + ":" + address.getPort();
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        String message = e.getMessage();
        return message == null || message.isEmpty() ? e.getClass().getSimpleName() : message;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run: nothing to undo
        }
    }

    /** A parsed command line. */
    private static final class Command {
        String name;
        Path config;
        int concurrency; // 0 = default
        boolean forceNio;

        static Command parse(String[] args) throws UsageException {
            Command c = new Command();
            if (args.length == 0) {
                c.name = "help";
                return c;
            }
            for (String arg : args) {
                if (arg.equals("-h") || arg.equals("--help")) {
                    c.name = "help";
                    return c;
                }
            }
            switch (args[0]) {
                case "run", "validate", "version", "help" -> c.name = args[0];
                case "--version" -> c.name = "version";
                default -> {
                    if (args[0].startsWith("-")) {
                        throw new UsageException(
                                "expected a command before options, got \"" + args[0] + "\"", true);
                    }
                    throw new UsageException("unknown command \"" + args[0] + "\"", true);
                }
            }
            boolean isRun = c.name.equals("run");
            boolean takesConfig = isRun || c.name.equals("validate");
            for (int i = 1; i < args.length; i++) {
                String arg = args[i];
                String option = arg;
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    option = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                }
                switch (option) {
                    case "-c", "--config" -> {
                        if (!takesConfig) {
                            throw notFor(option, c.name);
                        }
                        if (value == null) {
                            value = next(args, ++i, option);
                        }
                        if (value.isEmpty()) {
                            throw new UsageException(option + " needs a file name", false);
                        }
                        try {
                            c.config = Path.of(value);
                        } catch (InvalidPathException e) {
                            throw new UsageException(
                                    "invalid file name \"" + value + "\": " + e.getReason(), false);
                        }
                    }
                    case "--concurrency" -> {
                        if (!isRun) {
                            throw notFor(option, c.name);
                        }
                        if (value == null) {
                            value = next(args, ++i, option);
                        }
                        c.concurrency = parseConcurrency(value);
                    }
                    case "--nio" -> {
                        if (!isRun) {
                            throw notFor(option, c.name);
                        }
                        if (value != null) {
                            throw new UsageException("--nio takes no value", false);
                        }
                        c.forceNio = true;
                    }
                    default -> {
                        if (arg.startsWith("-")) {
                            throw new UsageException("unknown option \"" + arg + "\"", true);
                        }
                        throw new UsageException("unexpected argument \"" + arg + "\"", true);
                    }
                }
            }
            return c;
        }

        private static String next(String[] args, int i, String option) throws UsageException {
            if (i >= args.length) {
                throw new UsageException(option + " needs a value", true);
            }
            return args[i];
        }

        private static UsageException notFor(String option, String command) {
            return new UsageException(
                    "option " + option + " does not apply to \"" + command + "\"", true);
        }

        private static int parseConcurrency(String value) throws UsageException {
            int n;
            try {
                n = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1) {
                throw new UsageException(
                        "--concurrency must be an integer >= 1 (was \"" + value + "\")", false);
            }
            return n;
        }
    }

    /** The command line is wrong; exit 2. */
    private static final class UsageException extends Exception {
        final boolean showUsage;

        UsageException(String message, boolean showUsage) {
            super(message, null, false, false);
            this.showUsage = showUsage;
        }
    }
}
