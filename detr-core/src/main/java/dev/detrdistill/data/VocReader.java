package dev.detrdistill.data;

import dev.detrdistill.box.Box;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads a Pascal VOC folder ({@code Annotations/*.xml}, {@code JPEGImages/}, {@code ImageSets/Main/<split>.txt}).
 * Class names are taken from all annotation files, sorted, unless given.
 */
public final class VocReader {
    private VocReader() {}

    /** Whether {@code dir} looks like a VOC root. */
    public static boolean isVocRoot(Path dir) {
        return Files.isDirectory(dir.resolve("Annotations")) && Files.isDirectory(dir.resolve("JPEGImages"));
    }

    public static DetectionDataset read(Path root, String split) {
        return read(root, split, null);
    }

    public static DetectionDataset read(Path root, String split, List<String> classNames) {
        Path listFile = root.resolve("ImageSets/Main/" + split + ".txt");
        List<String> ids;
        try {
            if (Files.exists(listFile)) {
                ids = Files.readAllLines(listFile).stream()
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .toList();
            } else if (split.equals("all")) {
                try (var s = Files.list(root.resolve("Annotations"))) {
                    ids = s.map(p -> p.getFileName().toString())
                            .filter(n -> n.endsWith(".xml"))
                            .map(n -> n.substring(0, n.length() - 4))
                            .sorted()
                            .toList();
                }
            } else {
                throw new DataFormatException(
                        "VOC split file " + listFile + " does not exist (splits: train, val, test, trainval, all)");
            }
        } catch (IOException e) {
            throw new DataFormatException("cannot read VOC folder " + root + ": " + e.getMessage(), e);
        }
        if (ids.isEmpty()) {
            throw new DataFormatException("VOC split file " + listFile + " lists no images");
        }
        List<String> classes = classNames != null ? classNames : discoverClasses(root);
        DataReport report = new DataReport();
        List<ImageEntry> images = new ArrayList<>();
        for (String id : ids) {
            images.add(readOne(root, id, classes, report));
        }
        return new DetectionDataset(root.getFileName() + "/" + split, classes, images, report);
    }

    private static List<String> discoverClasses(Path root) {
        TreeSet<String> names = new TreeSet<>();
        try (var files = Files.list(root.resolve("Annotations"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".xml")).toList()) {
                NodeList objects = parse(p).getElementsByTagName("object");
                for (int i = 0; i < objects.getLength(); i++) {
                    names.add(text((Element) objects.item(i), "name", p));
                }
            }
        } catch (IOException e) {
            throw new DataFormatException("cannot list " + root.resolve("Annotations") + ": " + e.getMessage(), e);
        }
        if (names.isEmpty()) {
            throw new DataFormatException("no objects in any annotation file under " + root.resolve("Annotations"));
        }
        return List.copyOf(names);
    }

    private static ImageEntry readOne(Path root, String id, List<String> classes, DataReport report) {
        Path xml = root.resolve("Annotations/" + id + ".xml");
        if (!Files.exists(xml)) {
            throw new DataFormatException("annotation file " + xml + " is missing (listed in the split file)");
        }
        Document doc = parse(xml);
        Element size = (Element) doc.getElementsByTagName("size").item(0);
        if (size == null) {
            throw new DataFormatException(xml + ": no <size> element");
        }
        int width = (int) number(size, "width", xml);
        int height = (int) number(size, "height", xml);
        if (width <= 0 || height <= 0) {
            throw new DataFormatException(xml + ": image size " + width + "x" + height + " is not positive");
        }
        String fileName = doc.getElementsByTagName("filename").getLength() > 0
                ? doc.getElementsByTagName("filename").item(0).getTextContent().trim()
                : id + ".jpg";
        Path image = root.resolve("JPEGImages/" + fileName);
        if (!Files.exists(image)) {
            image = root.resolve("JPEGImages/" + id + ".jpg");
        }
        List<Annotation> anns = new ArrayList<>();
        NodeList objects = doc.getElementsByTagName("object");
        for (int i = 0; i < objects.getLength(); i++) {
            Element obj = (Element) objects.item(i);
            String name = text(obj, "name", xml);
            int cls = classes.indexOf(name);
            if (cls < 0) {
                throw new DataFormatException(
                        xml + ": object " + i + " has unknown class '" + name + "' (known: " + classes + ")");
            }
            Element bb = (Element) obj.getElementsByTagName("bndbox").item(0);
            if (bb == null) {
                throw new DataFormatException(xml + ": object " + i + " has no <bndbox>");
            }
            Box box = new Box(
                    number(bb, "xmin", xml), number(bb, "ymin", xml), number(bb, "xmax", xml), number(bb, "ymax", xml));
            Optional<Box> ok = BoxValidator.check(box, width, height, xml.getFileName() + " object " + i, report);
            ok.ifPresent(b -> anns.add(new Annotation(b, cls)));
        }
        return new ImageEntry(id, image, width, height, anns);
    }

    private static Document parse(Path xml) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
                @Override
                public void fatalError(org.xml.sax.SAXParseException e) throws org.xml.sax.SAXException {
                    throw e; // reported once, with the file name, by the caller; not also printed to stderr
                }
            });
            return b.parse(xml.toFile());
        } catch (Exception e) {
            throw new DataFormatException("cannot parse VOC annotation " + xml + ": " + e.getMessage(), e);
        }
    }

    private static String text(Element parent, String tag, Path file) {
        NodeList n = parent.getElementsByTagName(tag);
        if (n.getLength() == 0) {
            throw new DataFormatException(file + ": missing <" + tag + ">");
        }
        return n.item(0).getTextContent().trim();
    }

    private static double number(Element parent, String tag, Path file) {
        String t = text(parent, tag, file);
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new DataFormatException(file + ": <" + tag + "> is '" + t + "', not a number");
        }
    }
}
