package io.github.stablelogit.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The options of one subcommand: {@code --name value}, {@code --name=value} and value-less
 * switches. Unknown, repeated or valueless options are {@link UsageException}s naming the option.
 */
final class CliArgs {

  private final String command;
  private final Map<String, String> values = new LinkedHashMap<>();

  private CliArgs(String command) {
    this.command = command;
  }

  /**
   * @param command subcommand name, for messages
   * @param args the arguments after the subcommand
   * @param withValue options that take a value (names without "--")
   * @param switches options without a value
   * @return the parsed options
   */
  static CliArgs parse(String command, String[] args, Collection<String> withValue,
      Collection<String> switches) {
    CliArgs out = new CliArgs(command);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || a.length() == 2) {
        throw new UsageException(String.format(Locale.ROOT,
            "unexpected argument '%s' for '%s'; options start with --, see 'help %s'", a, command,
            command));
      }
      String name = a.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      if (switches.contains(name)) {
        if (value != null) {
          throw new UsageException("--" + name + " takes no value");
        }
        value = "true";
      } else if (withValue.contains(name)) {
        if (value == null) {
          if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
            throw new UsageException("--" + name + " needs a value; see 'help " + command + "'");
          }
          value = args[++i];
        }
      } else {
        List<String> known = new ArrayList<>(withValue);
        known.addAll(switches);
        String hint = closest(name, known);
        throw new UsageException(String.format(Locale.ROOT, "unknown option --%s for '%s'%s; "
            + "see 'help %s'", name, command, hint == null ? "" : " (did you mean --" + hint + "?)",
            command));
      }
      if (out.values.containsKey(name)) {
        throw new UsageException("--" + name + " is given more than once");
      }
      out.values.put(name, value);
    }
    return out;
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  String get(String name) {
    return values.get(name);
  }

  String require(String name) {
    String v = values.get(name);
    if (v == null || v.isEmpty()) {
      throw new UsageException("'" + command + "' needs --" + name + "; see 'help " + command
          + "'");
    }
    return v;
  }

  double getDouble(String name) {
    String v = values.get(name);
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " expects a number, but got '" + v + "'");
    }
  }

  int getInt(String name) {
    String v = values.get(name);
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " expects an integer, but got '" + v + "'");
    }
  }

  long getLong(String name) {
    String v = values.get(name);
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " expects an integer, but got '" + v + "'");
    }
  }

  boolean getBoolean(String name) {
    String v = values.get(name).trim().toLowerCase(Locale.ROOT);
    if (v.equals("true")) {
      return true;
    }
    if (v.equals("false")) {
      return false;
    }
    throw new UsageException("--" + name + " expects true or false, but got '" + values.get(name)
        + "'");
  }

  /** @return --partitions N (at least 1), or 0 when absent */
  int partitions() {
    if (!has("partitions")) {
      return 0;
    }
    int n = getInt("partitions");
    if (n < 1) {
      throw new UsageException("--partitions must be >= 1, but was " + n);
    }
    return n;
  }

  /** @return --threshold T in [0, 1], or null when absent */
  Double threshold() {
    if (!has("threshold")) {
      return null;
    }
    double t = getDouble("threshold");
    if (!(t >= 0 && t <= 1)) {
      throw new UsageException("--threshold must be in [0, 1], but was " + get("threshold"));
    }
    return t;
  }

  /** @return --format (checked), or null to infer it from the input's name */
  String format() {
    return has("format") ? InputData.checkFormat(get("format")) : null;
  }

  /** @return the comma-separated list, blanks removed; empty items are an error */
  List<String> getList(String name) {
    String v = values.get(name);
    if (v == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String s : v.split(",", -1)) {
      String t = s.trim();
      if (t.isEmpty()) {
        throw new UsageException("--" + name + " has an empty column name in '" + v + "'");
      }
      if (!out.contains(t)) {
        out.add(t);
      }
    }
    return out;
  }

  /** The known option within edit distance 2 (or with the same prefix), for "did you mean". */
  static String closest(String name, Collection<String> known) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(name, k);
      if (d < bestD) {
        bestD = d;
        best = k;
      }
    }
    if (best != null && (bestD <= 2 || (name.length() >= 3 && best.startsWith(name)))) {
      return best;
    }
    return null;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
