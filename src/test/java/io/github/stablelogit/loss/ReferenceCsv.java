package io.github.stablelogit.loss;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the committed mpmath reference CSVs: a fixed header, then lines of one text field (the
 * loss kind) followed by doubles written with Python's repr (read back exactly).
 */
public final class ReferenceCsv {

  /**
   * One data line.
   *
   * @param lineNo 1-based line number in the file
   * @param kind the first field
   * @param values the numeric fields, in order
   */
  public record Line(int lineNo, String kind, double[] values) {}

  private ReferenceCsv() {}

  /**
   * @param resource the class-path resource
   * @param header the exact expected header
   * @param numbers how many numeric fields follow the kind
   * @return the data lines, blank lines skipped
   */
  public static List<Line> read(String resource, String header, int numbers) {
    InputStream in = ReferenceCsv.class.getResourceAsStream(resource);
    assertNotNull(in, "missing test resource " + resource);
    List<Line> lines = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      String first = r.readLine();
      if (!header.equals(first)) {
        fail(resource + ": unexpected header " + first);
      }
      String line;
      int lineNo = 1;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isEmpty()) {
          continue;
        }
        String[] f = line.split(",", -1);
        if (f.length != numbers + 1) {
          fail(resource + " line " + lineNo + ": expected " + (numbers + 1) + " fields: " + line);
        }
        double[] d = new double[numbers];
        for (int k = 0; k < numbers; k++) {
          d[k] = Double.parseDouble(f[k + 1]);
        }
        lines.add(new Line(lineNo, f[0], d));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines;
  }
}
