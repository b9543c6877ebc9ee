package dev.detrdistill.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.detrdistill.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataReadersTest {
    @TempDir
    Path tmp;

    private Path vocWith(String objectXml) throws IOException {
        Path root = tmp.resolve("voc");
        Files.createDirectories(root.resolve("Annotations"));
        Files.createDirectories(root.resolve("JPEGImages"));
        Files.createDirectories(root.resolve("ImageSets/Main"));
        Files.writeString(root.resolve("ImageSets/Main/train.txt"), "img1\n");
        Files.writeString(
                root.resolve("Annotations/img1.xml"),
                "<annotation><filename>img1.jpg</filename>"
                        + "<size><width>100</width><height>80</height><depth>3</depth></size>" + objectXml
                        + "</annotation>");
        return root;
    }

    private static String object(String name, int x0, int y0, int x1, int y1) {
        return "<object><name>" + name + "</name><bndbox><xmin>" + x0 + "</xmin><ymin>" + y0 + "</ymin><xmax>" + x1
                + "</xmax><ymax>" + y1 + "</ymax></bndbox></object>";
    }

    @Test
    void vocDropsDegenerateAndOutsideBoxesAndReportsEach() throws IOException {
        Path root = vocWith(object("cat", 10, 10, 50, 40)
                + object("cat", 30, 30, 30, 60)
                + object("dog", 120, 10, 150, 20)
                + object("dog", 90, 70, 130, 100));
        DetectionDataset ds = VocReader.read(root, "train");
        assertEquals(List.of("cat", "dog"), ds.classNames());
        List<Annotation> anns = ds.images().get(0).annotations();
        assertEquals(2, anns.size(), "the valid box and the clipped overhanging box remain");
        assertEquals(100, anns.get(1).box().x1(), 1e-9, "overhang clipped to the image");
        assertEquals(2, ds.report().droppedBoxes().size());
        assertTrue(
                ds.report().droppedBoxes().get(0).contains("img1.xml object 1"),
                ds.report().droppedBoxes().get(0));
        assertTrue(
                ds.report().droppedBoxes().get(1).contains("outside"),
                ds.report().droppedBoxes().get(1));
    }

    @Test
    void vocUnknownClassNamesTheFileAndClass() throws IOException {
        Path root = vocWith(object("zebra", 10, 10, 50, 40));
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> VocReader.read(root, "train", List.of("cat")));
        assertTrue(e.getMessage().contains("img1.xml") && e.getMessage().contains("zebra"), e.getMessage());
    }

    @Test
    void emptyOrMalformedAnnotationFileIsNamed() throws IOException {
        Path root = vocWith("");
        Files.writeString(root.resolve("Annotations/img1.xml"), "");
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> VocReader.read(root, "train", List.of("cat")));
        assertTrue(e.getMessage().contains("img1.xml"), e.getMessage());

        Path json = tmp.resolve("empty.json");
        Files.writeString(json, "{}");
        DataFormatException c = assertThrows(DataFormatException.class, () -> CocoReader.read(json, tmp));
        assertTrue(c.getMessage().contains("empty.json"), c.getMessage());
    }

    @Test
    void missingAndCorruptImagesFailWithTheFileName() throws IOException {
        Path root = vocWith(object("cat", 10, 10, 50, 40));
        ImageEntry entry = VocReader.read(root, "train").images().get(0);
        DataFormatException missing = assertThrows(DataFormatException.class, () -> ImageCache.read(entry));
        assertTrue(
                missing.getMessage().contains("img1.jpg")
                        && missing.getMessage().contains("missing"),
                missing.getMessage());
        Files.write(entry.file(), new byte[] {1, 2, 3, 4, 5});
        DataFormatException corrupt = assertThrows(DataFormatException.class, () -> ImageCache.read(entry));
        assertTrue(corrupt.getMessage().contains("img1.jpg"), corrupt.getMessage());
    }

    @Test
    void syntheticSetIsDeterministicAndRoundTripsThroughCoco() throws IOException {
        SyntheticShapes.Spec spec = new SyntheticShapes.Spec(6, 2, 64, 2, 4, 99);
        Path a = SyntheticShapes.generate(tmp.resolve("a"), spec);
        Path b = SyntheticShapes.generate(tmp.resolve("b"), spec);
        assertEquals(Files.readString(a.resolve("train.json")), Files.readString(b.resolve("train.json")));
        assertArrayEquals(
                Files.readAllBytes(a.resolve("images/train_1.png")),
                Files.readAllBytes(b.resolve("images/train_1.png")));
        DetectionDataset ds = DatasetLoader.load(a, "train");
        assertEquals(6, ds.images().size());
        assertEquals(SyntheticShapes.CLASSES, ds.classNames());
        assertTrue(ds.numObjects() >= 12, "several objects per image");
        assertTrue(ds.report().droppedBoxes().isEmpty());
    }

    @Test
    void unknownFormatIsExplained() throws IOException {
        Files.createDirectories(tmp.resolve("nothing"));
        DataFormatException e =
                assertThrows(DataFormatException.class, () -> DatasetLoader.load(tmp.resolve("nothing"), "train"));
        assertTrue(e.getMessage().contains("cannot tell the format"), e.getMessage());
    }

    @Test
    void bccdLoaderReportsItsTwoDegenerateBoxes() {
        Path bccd = TestData.bccd();
        assumeTrue(bccd != null, "BCCD not present (../shared/datasets/bccd)");
        DetectionDataset all = VocReader.read(bccd, "all");
        assertEquals(List.of("Platelets", "RBC", "WBC"), all.classNames());
        assertEquals(364, all.images().size());
        assertEquals(2, all.report().droppedBoxes().size(), all.report().summary());
        assertFalse(all.report().droppedBoxes().get(0).isEmpty());
    }
}
