package dev.detrdistill.app.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detrdistill.data.SyntheticShapes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The fleet benchmark end to end at toy size: both ways run, every part of the cost is measured. */
class FleetBenchTest {
    @TempDir
    Path tmp;

    @Test
    void measuresBothWaysForEachFleetSize() throws Exception {
        Path data = SyntheticShapes.generate(tmp.resolve("data"), new SyntheticShapes.Spec(8, 3, 48, 1, 3, 5));
        Path out = tmp.resolve("fleet");
        int code = new CommandLine(new FleetBench())
                .execute(
                        "--data",
                        data.toString(),
                        "--out",
                        out.toString(),
                        "--image-size",
                        "32",
                        "--teacher",
                        "tiny",
                        "--teacher-steps",
                        "3",
                        "--student",
                        "tiny",
                        "--students",
                        "1,2",
                        "--views",
                        "1");
        assertEquals(0, code);
        JsonNode json = new ObjectMapper().readTree(out.resolve("fleet.json").toFile());
        assertEquals(2, json.get("rows").size());
        for (JsonNode row : json.get("rows")) {
            int n = row.get("students").asInt();
            assertTrue(row.at("/online/teacherSeconds").asDouble() > 0, "online teacher time measured");
            assertTrue(row.at("/online/total/wallSeconds").asDouble()
                    > row.at("/online/teacherSeconds").asDouble());
            assertTrue(row.at("/streamed/job/wallSeconds").asDouble() > 0);
            assertTrue(row.at("/streamed/stepSeconds").asDouble() > 0);
            assertTrue(row.at("/streamed/teacherInferenceSeconds").asDouble() > 0);
            assertEquals(n, row.get("onlineAp").size());
            assertEquals(n, row.get("streamedAp").size());
            for (String way : new String[] {"online", "streamed"}) {
                for (int i = 0; i < n; i++) {
                    assertTrue(
                            Files.exists(out.resolve("n" + n)
                                    .resolve(way)
                                    .resolve("s" + i)
                                    .resolve("checkpoint")),
                            way + " student " + i);
                }
            }
        }
        assertTrue(Files.readString(out.resolve("fleet.md")).lines().count() == 4, "header, rule and two rows");
        String svg = Files.readString(out.resolve("fleet.svg"));
        assertTrue(
                svg.startsWith("<svg") && svg.contains("<path") && svg.contains(">online") && svg.contains(">streamed"),
                "a chart with both ways' lines and their legend");
    }
}
