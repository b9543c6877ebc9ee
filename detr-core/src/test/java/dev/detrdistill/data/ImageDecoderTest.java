package dev.detrdistill.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images that declare a huge size are refused from their header, before any pixel buffer is allocated. */
class ImageDecoderTest {
    @TempDir
    Path tmp;

    /** A tiny PNG whose header says {@code width x height}: IHDR, one small IDAT, IEND. */
    static byte[] pngDeclaring(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a});
        ByteBuffer ihdr = ByteBuffer.allocate(13)
                .putInt(width)
                .putInt(height)
                .put((byte) 8)
                .put((byte) 2)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    @Test
    void aSmallFileDeclaringAHugeImageIsRefusedByItsHeader() throws Exception {
        byte[] bomb = pngDeclaring(20000, 20000);
        assertTrue(bomb.length < 100, "a few dozen bytes on the wire");
        IOException e =
                assertThrows(IOException.class, () -> ImageDecoder.decode(new ByteArrayInputStream(bomb), "the bomb"));
        assertTrue(
                e.getMessage().contains("20000 x 20000") && e.getMessage().contains("refused before decoding"),
                e.getMessage());

        Path file = tmp.resolve("bomb.png");
        Files.write(file, bomb);
        DataFormatException d = assertThrows(
                DataFormatException.class, () -> ImageCache.read(new ImageEntry("b", file, 20000, 20000, List.of())));
        assertTrue(d.getMessage().contains("bomb.png") && d.getMessage().contains("20000 x 20000"), d.getMessage());
    }

    @Test
    void ordinaryImagesDecodeAsBefore() throws Exception {
        BufferedImage img = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        img.setRGB(3, 4, 0x123456);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        BufferedImage back = ImageDecoder.decode(new ByteArrayInputStream(png.toByteArray()), "small");
        assertEquals(40, back.getWidth());
        assertEquals(0x123456, back.getRGB(3, 4) & 0xffffff);
        assertEquals(
                null,
                ImageDecoder.decode(new ByteArrayInputStream(new byte[] {1, 2, 3}), "noise"),
                "unknown format: null, as ImageIO.read");
    }
}
