package dev.detrdistill.train;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class CorruptStateTest {
    @Test
    void optimizerStateWithALengthBeyondTheFileFailsBeforeAllocating() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            AdamW opt = new AdamW(m, 1e-4f);
            // One parameter whose first moment claims 2 GB in a file of a few bytes.
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(3);
                out.writeInt(1);
                out.writeUTF("query_prior");
                out.writeInt(Integer.MAX_VALUE - 16);
                out.write(new byte[] {1, 2, 3});
            }
            IOException e =
                    assertThrows(IOException.class, () -> opt.load(new ByteArrayInputStream(bytes.toByteArray())));
            assertTrue(e.getMessage().contains("declares") && e.getMessage().contains("query_prior"), e.getMessage());
            ByteArrayOutputStream many = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(many)) {
                out.writeInt(3);
                out.writeInt(Integer.MAX_VALUE);
            }
            IOException count =
                    assertThrows(IOException.class, () -> opt.load(new ByteArrayInputStream(many.toByteArray())));
            assertTrue(count.getMessage().contains("corrupt"), count.getMessage());
        }
    }
}
