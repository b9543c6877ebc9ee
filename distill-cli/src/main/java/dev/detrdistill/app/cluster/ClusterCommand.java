package dev.detrdistill.app.cluster;

import dev.detrdistill.cluster.ClusterLayout;
import dev.detrdistill.cluster.FlinkClasspath;
import dev.detrdistill.cluster.FlinkCli;
import dev.detrdistill.cluster.LocalCluster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        description = {
            "A real cluster on this machine, one JVM per service on loopback: a Kafka broker, the schema registry, a "
                    + "Flink JobManager and TaskManagers (docs/operations.md, \"A cluster on one machine\").",
            "Its state (broker logs, registry database, checkpoints, logs) is under --home and survives 'down'."
        },
        subcommands = {
            ClusterCommand.Up.class,
            ClusterCommand.Down.class,
            ClusterCommand.Status.class,
            ClusterCommand.Submit.class,
            ClusterCommand.Flink.class
        })
public final class ClusterCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** The options every subcommand takes. */
    static class Home {
        @Option(
                names = "--home",
                defaultValue = "runs/cluster",
                description = "The cluster's folder. Default: ${DEFAULT-VALUE}")
        Path home;

        LocalCluster cluster() throws Exception {
            return new LocalCluster(ClusterLayout.load(home), System.out);
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Start what is not running and wait for it.")
    static final class Up extends Home implements Callable<Integer> {
        @Option(
                names = "--taskmanagers",
                defaultValue = "2",
                description = "TaskManager JVMs. Default: ${DEFAULT-VALUE}")
        int taskManagers;

        @Option(names = "--slots", defaultValue = "2", description = "Slots per TaskManager. Default: ${DEFAULT-VALUE}")
        int slots;

        @Option(names = "--broker-port", defaultValue = "9092", description = "Default: ${DEFAULT-VALUE}")
        int brokerPort;

        @Option(names = "--registry-port", defaultValue = "8085", description = "Default: ${DEFAULT-VALUE}")
        int registryPort;

        @Option(
                names = "--rest-port",
                defaultValue = "8081",
                description = "Flink's REST API and web UI. Default: ${DEFAULT-VALUE}")
        int restPort;

        @Override
        public Integer call() throws Exception {
            ClusterLayout defaults = ClusterLayout.defaults(home);
            ClusterLayout layout = new ClusterLayout(
                    home,
                    brokerPort,
                    defaults.controllerPort() == brokerPort ? brokerPort + 1 : defaults.controllerPort(),
                    registryPort,
                    restPort,
                    defaults.rpcPort(),
                    taskManagers,
                    slots);
            long t0 = System.nanoTime();
            new LocalCluster(layout, System.out).up();
            System.out.printf(
                    "cluster up in %.1f s. Use it with:%n  --bootstrap-servers %s --registry-url %s%n"
                            + "  ./distill cluster submit --topic <topic> --student <file.yaml> ...   (web UI %s)%n",
                    (System.nanoTime() - t0) / 1e9, layout.bootstrapServers(), layout.registryUrl(), layout.restUrl());
            return 0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop every service (state is kept).")
    static final class Down extends Home implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            cluster().down();
            return 0;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "What runs and what it answers.")
    static final class Status extends Home implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            cluster().status().forEach(System.out::println);
            return 0;
        }
    }

    @Command(
            name = "submit",
            mixinStandardHelpOptions = true,
            description = "Submit the trainer's job jar with Flink's CLI (flink run -d), pointed at this cluster's "
                    + "broker and registry; the arguments are the trainer's (./distill trainer --help).")
    static final class Submit extends Home implements Callable<Integer> {
        @Unmatched // the trainer's own options, passed on as they are
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            LocalCluster c = cluster();
            List<String> cli =
                    new ArrayList<>(List.of("run", "-d", FlinkClasspath.jobJar().toString()));
            cli.addAll(args);
            if (!args.contains("--bootstrap-servers")) {
                cli.addAll(List.of("--bootstrap-servers", c.layout().bootstrapServers()));
            }
            if (!args.contains("--registry-url")) {
                cli.addAll(List.of("--registry-url", c.layout().registryUrl()));
            }
            return new FlinkCli(c.layout()).runInteractive(cli);
        }
    }

    @Command(
            name = "flink",
            mixinStandardHelpOptions = false,
            description = "Flink's own command line against this cluster, e.g. './distill cluster flink list' or "
                    + "'... flink cancel <job id>'.")
    static final class Flink extends Home implements Callable<Integer> {
        @Unmatched // Flink's CLI options, passed on as they are
        List<String> args = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            return new FlinkCli(cluster().layout()).runInteractive(args);
        }
    }
}
