package dev.detrdistill.app.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./distill bench ablation}: the paper's per-term ablation (none, LD, FD, AD, LD+FD, all) on BCCD over several
 * seeds, end to end through the platform: the teacher trained (or reused from --out), its records published to an
 * embedded Kafka once, every student of every arm and seed trained from that stream in one Flink job, all evaluated.
 * It is the demo with the ablation's arms and BCCD's defaults.
 */
@Command(
        name = "ablation",
        mixinStandardHelpOptions = true,
        description = {
            "Per-term ablation on BCCD (arms none, ld+cl, fd, ad, ld+cl+fd, all; 3 seeds): teacher once, all students "
                    + "from its stream in one Flink job; prints AP per arm (mean +- std, each seed) and paired "
                    + "differences to the baseline. About 40 minutes for the teacher and 37 for the students on "
                    + "two CPU cores (docs/benchmarks.md).",
            "Options after -- go to the demo unchanged (see ./distill demo --help)."
        })
public final class AblationBench implements Callable<Integer> {
    @Option(
            names = "--data",
            defaultValue = "../shared/datasets/bccd/BCCD",
            description = "A VOC or COCO folder. Default: ${DEFAULT-VALUE}")
    Path data;

    @Option(names = "--seeds", defaultValue = "3", description = "Seeds per arm. Default: ${DEFAULT-VALUE}")
    int seeds;

    @Option(
            names = "--arms",
            defaultValue = "none,ld+cl,fd,ad,ld+cl+fd,all",
            description = "Arms (see demo --arms). Default: ${DEFAULT-VALUE}")
    String arms;

    @Option(
            names = "--teacher",
            defaultValue = "teacher-pretrained-s8",
            description = "Teacher detector (preset or YAML). Default: ${DEFAULT-VALUE}")
    String teacher;

    @Option(
            names = "--teacher-steps",
            defaultValue = "3000",
            description = "Teacher training steps (a finished teacher of the same config in <out>/teacher is reused). "
                    + "Default: ${DEFAULT-VALUE}")
    int teacherSteps;

    @Option(
            names = "--epochs",
            defaultValue = "12",
            description = "Replays of the teacher's records for the students. Default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--out", defaultValue = "runs/bench/ablation", description = "Default: ${DEFAULT-VALUE}")
    Path out;

    @CommandLine.Unmatched
    List<String> passThrough = new ArrayList<>();

    /** The demo's options for BCCD: pretrained teacher (stride 8, for the platelets) and students, trainval -> test. */
    List<String> demoArgs() {
        List<String> args = new ArrayList<>(List.of(
                "--data",
                data.toString(),
                "--train-split",
                "trainval",
                "--val-split",
                "test",
                "--teacher",
                teacher,
                "--teacher-steps",
                String.valueOf(teacherSteps),
                "--epochs",
                String.valueOf(epochs),
                "--student",
                "student-pretrained",
                "--image-size",
                "256",
                "--arms",
                arms,
                "--seeds",
                String.valueOf(seeds),
                "--out",
                out.toString()));
        args.addAll(passThrough.stream().filter(a -> !a.equals("--")).toList());
        return args;
    }

    @Override
    public Integer call() {
        List<String> args = demoArgs();
        System.out.println("ablation: ./distill demo " + String.join(" ", args));
        return dev.detrdistill.cli.CommandLines.execute(
                new CommandLine(new DemoCommand()), args.toArray(String[]::new));
    }
}
