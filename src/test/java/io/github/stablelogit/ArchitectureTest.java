package io.github.stablelogit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering of the main sources, as the README's architecture section states it: each package
 * may use only the packages listed for it (every reference in code counts, imports and fully
 * qualified names alike; comments do not), so dependencies point one way and there is no package
 * cycle; the loss kernels use no Spark; only the command-line job writes to standard output.
 */
class ArchitectureTest {

  private static final String ROOT = "io.github.stablelogit.";

  /** Package → the project packages it may use (besides itself). */
  private static final Map<String, Set<String>> ALLOWED = Map.of(
      "loss", Set.of(),
      "optim", Set.of("loss"),
      "ml.io", Set.of(),
      "ml", Set.of("loss", "optim", "ml.io"),
      "ml.feature", Set.of("ml", "ml.io"),
      "cli", Set.of("loss", "ml", "ml.io", "ml.feature"));

  private static final Pattern REFERENCE =
      Pattern.compile("\\bio\\.github\\.stablelogit\\.([a-z]+(?:\\.[a-z]+)*)");

  @Test
  void packagesUseOnlyThePackagesBelowThem() throws IOException {
    List<String> violations = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    for (Path file : mainSources()) {
      String pkg = packageOf(file);
      seen.add(pkg);
      Set<String> allowed = ALLOWED.get(pkg);
      if (allowed == null) {
        violations.add(file + ": package " + pkg + " has no entry in the layering");
        continue;
      }
      for (String line : Files.readAllLines(file)) {
        String t = line.trim();
        if (line.startsWith("package ") || t.startsWith("*") || t.startsWith("/*")
            || t.startsWith("//")) {
          // Comments may name other classes (e.g. a former class name that is a saved format).
          continue;
        }
        Matcher m = REFERENCE.matcher(line);
        while (m.find()) {
          String used = projectPackage(m.group(1));
          if (used != null && !used.equals(pkg) && !allowed.contains(used)) {
            violations.add(file.getFileName() + " (" + pkg + ") uses " + used + ": " + line.trim());
          }
        }
      }
    }
    assertEquals(List.of(), violations);
    assertEquals(ALLOWED.keySet(), seen, "every layer exists, and no other");
  }

  @Test
  void lossKernelsUseNoSpark() throws IOException {
    for (Path file : mainSources()) {
      if (packageOf(file).equals("loss")) {
        String text = Files.readString(file);
        assertTrue(!text.contains("org.apache.spark") && !text.contains("scala."),
            file + " uses Spark or Scala");
      }
    }
  }

  @Test
  void onlyTheJobWritesToStandardOutput() throws IOException {
    for (Path file : mainSources()) {
      if (!packageOf(file).equals("cli")) {
        String text = Files.readString(file);
        assertTrue(!text.contains("System.out") && !text.contains("System.err")
            && !text.contains("printStackTrace"), file + " prints; log with SLF4J instead");
      }
    }
  }

  /** The longest known package that {@code dotted} (a package, or a package and a class) names. */
  private static String projectPackage(String dotted) {
    String best = null;
    for (String p : ALLOWED.keySet()) {
      if ((dotted.equals(p) || dotted.startsWith(p + "."))
          && (best == null || p.length() > best.length())) {
        best = p;
      }
    }
    return best == null ? dotted : best;
  }

  private static String packageOf(Path file) throws IOException {
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith("package " + ROOT)) {
        return line.substring(("package " + ROOT).length(), line.indexOf(';'));
      }
    }
    throw new IllegalStateException(file + " has no package line under " + ROOT);
  }

  private static List<Path> mainSources() throws IOException {
    Path root = Paths.get("src/main/java/io/github/stablelogit");
    assertTrue(Files.isDirectory(root), "run from the project directory: " + root);
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }
}
