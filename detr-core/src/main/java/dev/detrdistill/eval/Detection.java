package dev.detrdistill.eval;

import dev.detrdistill.box.Box;

/** One scored detection in original image pixels. */
public record Detection(String imageId, int classIndex, Box box, double score) {}
