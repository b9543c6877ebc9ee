package dev.detrdistill.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The ablation is the demo with the study's arms and BCCD's recipe; what it hands the demo must parse there. */
class AblationBenchTest {
    private static String after(List<String> args, String option) {
        return args.get(args.indexOf(option) + 1);
    }

    @Test
    void defaultsAreTheBccdRecipeAndTheDemoAcceptsThem() {
        AblationBench bench = new AblationBench();
        new CommandLine(bench).parseArgs();
        List<String> args = bench.demoArgs();
        assertEquals("none,ld+cl,fd,ad,ld+cl+fd,all", after(args, "--arms"));
        assertEquals("3", after(args, "--seeds"));
        assertEquals("12", after(args, "--epochs"));
        assertEquals("3000", after(args, "--teacher-steps"));
        assertEquals("teacher-pretrained-s8", after(args, "--teacher"));
        assertEquals("trainval", after(args, "--train-split"));
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs(args.toArray(String[]::new));
        assertEquals(12, demo.epochs);
        assertEquals(3000, demo.teacherSteps);
    }

    @Test
    void ownOptionsAndThePassThroughReachTheDemo() {
        AblationBench bench = new AblationBench();
        new CommandLine(bench)
                .parseArgs("--teacher", "my-teacher.yaml", "--epochs", "4", "--seeds", "2", "--", "--views", "1");
        List<String> args = bench.demoArgs();
        assertEquals("my-teacher.yaml", after(args, "--teacher"));
        assertEquals("4", after(args, "--epochs"));
        assertEquals("2", after(args, "--seeds"));
        assertTrue(args.containsAll(List.of("--views", "1")) && !args.contains("--"), args.toString());
    }
}
