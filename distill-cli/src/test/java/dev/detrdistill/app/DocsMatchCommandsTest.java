package dev.detrdistill.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The doc-drift check: every {@code ./distill} command line in README.md and docs/*.md names options that
 * exist on that command, and every option row of docs/configuration.md exists with the default it states.
 */
class DocsMatchCommandsTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern OPTION = Pattern.compile("--[a-z][a-z0-9-]*");
    private static final Pattern NUMBER = Pattern.compile("[-+]?[0-9][0-9_]*(\\.[0-9]+)?([eE][-+]?[0-9]+)?");

    private static List<Path> docs() throws Exception {
        List<Path> files = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    @Test
    void everyCommandsHelpRuns() {
        CommandLine root = DistillMain.commandLine();
        List<CommandLine> all = new ArrayList<>();
        collect(root, all);
        for (CommandLine c : all) {
            StringWriter text = new StringWriter();
            c.usage(new PrintWriter(text));
            assertTrue(text.toString().contains("Usage:"), c.getCommandName());
        }
        assertTrue(all.size() > 10, "commands found: " + all.size());
    }

    @Test
    void trainHelpListsEveryPreset() {
        StringWriter text = new StringWriter();
        DistillMain.commandLine().getSubcommands().get("train").usage(new PrintWriter(text));
        String help = text.toString().replaceAll("\\s+", " ");
        for (String preset : dev.detrdistill.model.DetectorConfigs.PRESETS) {
            assertTrue(help.contains(preset), preset + " missing from train --help: " + help);
        }
    }

    private static void collect(CommandLine c, List<CommandLine> out) {
        out.add(c);
        c.getSubcommands().values().stream().distinct().forEach(s -> collect(s, out));
    }

    @Test
    void optionsNamedInTheDocsExistOnTheirCommand() throws Exception {
        CommandLine root = DistillMain.commandLine();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path doc : docs()) {
            List<String> lines = Files.readAllLines(doc);
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n);
                int at = line.indexOf("./distill");
                while (at >= 0) {
                    int next = line.indexOf("./distill", at + 1);
                    String segment = line.substring(at + "./distill".length(), next < 0 ? line.length() : next);
                    int tick = segment.indexOf('`');
                    if (tick >= 0) {
                        segment = segment.substring(0, tick); // the code span ends here
                    }
                    CommandLine cmd = root;
                    for (String word : segment.trim().split("\\s+")) {
                        if (cmd.getSubcommands().containsKey(word)) {
                            cmd = cmd.getSubcommands().get(word);
                        } else if (!word.isEmpty()) {
                            break;
                        }
                    }
                    Matcher m = OPTION.matcher(segment);
                    while (m.find()) {
                        checked++;
                        if (cmd.getCommandSpec().findOption(m.group()) == null) {
                            problems.add(doc.getFileName() + ":" + (n + 1) + ": " + m.group() + " is not an option of '"
                                    + cmd.getCommandSpec().qualifiedName() + "'");
                        }
                    }
                    at = next;
                }
            }
        }
        assertTrue(checked > 20, "options checked: " + checked);
        assertEquals(List.of(), problems);
    }

    @Test
    void configurationTablesStateTheRealDefaults() throws Exception {
        CommandLine root = DistillMain.commandLine();
        List<String> problems = new ArrayList<>();
        int compared = 0;
        CommandLine cmd = null;
        List<String> lines = Files.readAllLines(ROOT.resolve("docs/configuration.md"));
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.startsWith("#")) {
                Matcher h = Pattern.compile("`\\./distill ([a-z ]+)`").matcher(line);
                cmd = null;
                if (h.find()) {
                    cmd = root;
                    for (String word : h.group(1).trim().split(" ")) {
                        cmd = cmd.getSubcommands().get(word);
                    }
                }
                continue;
            }
            if (cmd == null || !line.startsWith("| `--")) {
                continue;
            }
            String[] cells = line.split("\\|");
            List<String> options = new ArrayList<>();
            Matcher m = OPTION.matcher(cells[1]);
            while (m.find()) {
                options.add(m.group());
            }
            String[] defaults = cells[2].trim().split(",\\s+");
            for (int i = 0; i < options.size(); i++) {
                OptionSpec spec = cmd.getCommandSpec().findOption(options.get(i));
                String where = "configuration.md:" + (n + 1) + " " + options.get(i);
                if (spec == null) {
                    problems.add(where + " is not an option of '"
                            + cmd.getCommandSpec().qualifiedName() + "'");
                    continue;
                }
                if (defaults.length != options.size() || spec.defaultValue() == null) {
                    continue;
                }
                String doc = defaults[i].replace("`", "").trim();
                String real = spec.defaultValue().trim();
                Matcher docNumber = NUMBER.matcher(doc.replace(",", ""));
                if (docNumber.lookingAt() && NUMBER.matcher(real).matches()) {
                    compared++;
                    if (Double.parseDouble(docNumber.group().replace("_", "")) != Double.parseDouble(real)) {
                        problems.add(where + ": the doc says " + doc + ", the code's default is " + real);
                    }
                } else if (!NUMBER.matcher(real).matches()) {
                    compared++;
                    if (!doc.equalsIgnoreCase(real)) {
                        problems.add(where + ": the doc says " + doc + ", the code's default is " + real);
                    }
                }
            }
        }
        assertTrue(compared > 20, "defaults compared: " + compared);
        assertEquals(List.of(), problems);
    }

    /**
     * The training settings table lists every setting once, with its option and the default `./distill train --help`
     * shows.
     */
    @Test
    void trainingSettingsTableMatchesTheDefinitions() throws Exception {
        List<String> lines = Files.readAllLines(ROOT.resolve("docs/configuration.md"));
        CommandLine train = DistillMain.commandLine().getSubcommands().get("train");
        List<String> problems = new ArrayList<>();
        java.util.Set<String> documented = new java.util.HashSet<>();
        for (String line : lines) {
            Matcher m = Pattern.compile("^\\| `([a-zA-Z]+)` \\| `(--[a-z-]+)` \\| ([^|]+) \\|")
                    .matcher(line);
            if (!m.find()) {
                continue;
            }
            var setting = dev.detrdistill.train.TrainSettings.TRAIN.settings().stream()
                    .filter(x -> x.key().equals(m.group(1)))
                    .findFirst();
            if (setting.isEmpty()) {
                problems.add("documented key " + m.group(1) + " is not a training setting");
                continue;
            }
            documented.add(m.group(1));
            if (!setting.get().option().equals(m.group(2))) {
                problems.add(m.group(1) + ": the doc says option " + m.group(2) + ", the code "
                        + setting.get().option());
            }
            String doc = m.group(3).replace("`", "").trim();
            String help =
                    train.getCommandSpec().findOption(setting.get().option()).defaultValue();
            if (!doc.equalsIgnoreCase(help)
                    && !(NUMBER.matcher(doc).matches() && Double.parseDouble(doc) == Double.parseDouble(help))) {
                problems.add(m.group(1) + ": the doc says default " + doc + ", --help says " + help);
            }
        }
        for (var x : dev.detrdistill.train.TrainSettings.TRAIN.settings()) {
            if (!documented.contains(x.key())) {
                problems.add("training setting " + x.key() + " is not in docs/configuration.md");
            }
        }
        assertEquals(List.of(), problems);
    }
}
