package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Same data, same bits, whatever the JIT does: runs {@link SameBitsProbe} (the loss kernel, the
 * deterministic exp/log, two small linear fits and small networks with every activation, by
 * L-BFGS and by mini-batch Adam) in fresh JVMs in the interpreter only ({@code -Xint}),
 * with C1 only ({@code -XX:TieredStopAtLevel=1}), with C2 (tiered, and C2 alone), each C2 run
 * with low compile thresholds and {@code -Xbatch} so that the kernel is C2 code for most of the
 * run, and with {@code jdk.incubator.vector} loaded, also with the lane-wise BCE kernel forced
 * on ({@code -Dstablelogit.kernel.lanes=always}) in the interpreter, C1 and C2, and asserts that
 * every run prints the same hash of all result bits. The probe's linear passes over dense blocks
 * use the vector form of {@link RowProducts} in the JVMs with the module and the scalar form in
 * the others; one more C2 run limits vectors to 256 bits ({@code -XX:MaxVectorSize=32}), so
 * that on wider hardware the 4-lane forms (of the kernel, of the gradient product and of the
 * products reading single-precision rows directly) are compared with the 8-lane ones and with the
 * widened rows of the JVMs without the module. Three C2 runs print
 * their compilations, to check that the kernel (scalar, and lane-wise), the vector row products
 * and the network's pass really were compiled at tier 4.
 */
class SameBitsAcrossJitTiersTest {

  private static final List<String> C2_SOON = List.of("-Xbatch", "-XX:Tier3InvocationThreshold=20",
      "-XX:Tier3BackEdgeThreshold=500", "-XX:Tier4InvocationThreshold=100",
      "-XX:Tier4BackEdgeThreshold=2000", "-XX:Tier4CompileThreshold=150");

  @Test
  void theKernelAndAFitGiveTheSameBitsInEveryTier() throws Exception {
    Map<String, List<String>> runs = new LinkedHashMap<>();
    runs.put("interpreter", List.of("-Xint"));
    runs.put("C1", List.of("-XX:TieredStopAtLevel=1", "-Xbatch"));
    List<String> tiered = new ArrayList<>(C2_SOON);
    tiered.add("-XX:+PrintCompilation");
    runs.put("tiered C2", tiered);
    List<String> c2 = new ArrayList<>(C2_SOON);
    c2.add("-XX:-TieredCompilation");
    runs.put("C2 only", c2);
    List<String> vector = new ArrayList<>(C2_SOON);
    vector.addAll(List.of("--add-modules", "jdk.incubator.vector"));
    runs.put("C2 + jdk.incubator.vector", vector);
    // The lane-wise BCE kernel from the first row on, in each tier.
    List<String> lanes = List.of("--add-modules", "jdk.incubator.vector",
        "-Dstablelogit.kernel.lanes=always");
    List<String> lanesInterpreted = new ArrayList<>(lanes);
    lanesInterpreted.add("-Xint");
    runs.put("interpreter + lanes", lanesInterpreted);
    List<String> lanesC1 = new ArrayList<>(lanes);
    lanesC1.addAll(List.of("-XX:TieredStopAtLevel=1", "-Xbatch"));
    runs.put("C1 + lanes", lanesC1);
    List<String> lanesC2 = new ArrayList<>(C2_SOON);
    lanesC2.addAll(lanes);
    lanesC2.add("-XX:+PrintCompilation");
    runs.put("C2 + lanes", lanesC2);
    // 256-bit vectors on a machine with wider ones: the 4-lane forms of the gradient product, of
    // the float rows' products and of the kernel against the 8-lane forms above.
    List<String> narrow = new ArrayList<>(lanesC2);
    narrow.add("-XX:MaxVectorSize=32");
    runs.put("C2 + lanes, 256-bit vectors", narrow);

    Map<String, String> hashes = new LinkedHashMap<>();
    for (Map.Entry<String, List<String>> run : runs.entrySet()) {
      String out = launch(run.getValue());
      List<String> bits = out.lines().filter(l -> l.startsWith("bits ")).toList();
      assertEquals(1, bits.size(), run.getKey() + " printed no hash:\n" + out);
      hashes.put(run.getKey(), bits.get(0));
      if (run.getKey().equals("tiered C2")) {
        Pattern tier4 = Pattern.compile(
            "\\s4\\s+io\\.github\\.stablelogit\\.loss\\.KernelChunks::(bceRows|rows)\\b");
        assertTrue(out.lines().anyMatch(l -> tier4.matcher(l).find()),
            "the kernel was not compiled by C2 in the tiered run");
        Pattern network = Pattern.compile("\\s4\\s+io\\.github\\.stablelogit\\.optim\\."
            + "(MlpMath::tanhInto|MlpAggregator::forwardBackward)\\b");
        assertTrue(out.lines().anyMatch(l -> network.matcher(l).find()),
            "the network's pass was not compiled by C2 in the tiered run");
      }
      if (run.getKey().startsWith("C2 + lanes")) {
        Pattern tier4 = Pattern.compile("\\s4\\s+io\\.github\\.stablelogit\\.loss"
            + "\\.VectorBceKernel::(expPass|logPass|combine)");
        assertTrue(out.lines().anyMatch(l -> tier4.matcher(l).find()),
            "the lane-wise kernel was not compiled by C2");
        Pattern products = Pattern.compile("\\s4\\s+io\\.github\\.stablelogit\\.optim"
            + "\\.VectorRowProducts::(addDots|addTransposedLaneWise)\\b");
        assertEquals(2, out.lines().map(products::matcher).filter(Matcher::find)
            .map(m -> m.group(1)).distinct().count(),
            "the vector row products were not both compiled by C2");
      }
    }
    String first = hashes.values().iterator().next();
    assertTrue(hashes.values().stream().allMatch(first::equals), hashes.toString());
  }

  private static String launch(List<String> jvmOptions) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
        SameBitsProbe.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
    return out;
  }
}
