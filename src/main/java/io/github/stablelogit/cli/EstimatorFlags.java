package io.github.stablelogit.cli;

import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitParams;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import scala.Option;

/**
 * The estimator options of {@code train}: one kebab-case flag per {@link LogitClassifier} parameter
 * that is not a column name ({@code posWeight} → {@code --pos-weight}, {@code maxBlockSizeInMB} →
 * {@code --max-block-size-in-mb}). They are read from the classifier's own params, so a parameter
 * added to the library becomes a flag without changes here; values go through the library's
 * setters, whose messages say what is wrong.
 */
final class EstimatorFlags {

  /** Display order of the flags known when this was written; others follow by name. */
  private static final List<String> ORDER = List.of("loss", "posWeight", "autoPosWeight",
      "focalGamma", "focalAlpha", "labelSmoothing", "regParam", "elasticNetParam", "maxIter",
      "tol", "fitIntercept", "standardization", "threshold", "correctProbabilities",
      "aggregationDepth", "maxBlockSizeInMB");

  /** One flag. */
  record Flag(String flag, Param<?> param, Method setter) {

    String name() {
      return param.name();
    }

    Class<?> type() {
      return setter.getParameterTypes()[0];
    }

    String metavar() {
      if (name().equals("loss")) {
        return String.join("|", LogitParams.SUPPORTED_LOSSES);
      }
      Class<?> t = type();
      if (t == boolean.class) {
        return "true|false";
      }
      if (t == int.class || t == long.class) {
        return "N";
      }
      if (t == double.class) {
        return "X";
      }
      return "VALUE";
    }
  }

  private static final List<Flag> FLAGS = discover();

  private EstimatorFlags() {}

  static List<Flag> all() {
    return FLAGS;
  }

  static List<String> names() {
    List<String> out = new ArrayList<>();
    FLAGS.forEach(f -> out.add(f.flag()));
    return out;
  }

  /** Whether a param is set through a dedicated option or not at all: column names. */
  static boolean isColumnParam(String name) {
    return name.endsWith("Col") || name.endsWith("Cols");
  }

  private static List<Flag> discover() {
    LogitClassifier c = new LogitClassifier();
    List<Flag> flags = new ArrayList<>();
    for (Param<?> p : c.params()) {
      if (isColumnParam(p.name())) {
        continue;
      }
      Method setter = setterOf(p.name());
      if (setter != null) {
        flags.add(new Flag(kebab(p.name()), p, setter));
      }
    }
    flags.sort(Comparator.comparingInt((Flag f) -> {
      int i = ORDER.indexOf(f.name());
      return i < 0 ? ORDER.size() : i;
    }).thenComparing(Flag::name));
    return List.copyOf(flags);
  }

  private static Method setterOf(String name) {
    String want = "set" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    for (Method m : LogitClassifier.class.getMethods()) {
      if (m.getName().equals(want) && m.getParameterCount() == 1) {
        Class<?> t = m.getParameterTypes()[0];
        if (t == double.class || t == int.class || t == long.class || t == boolean.class
            || t == String.class) {
          return m;
        }
      }
    }
    return null;
  }

  /** camelCase → kebab-case, acronyms kept together: maxBlockSizeInMB → max-block-size-in-mb. */
  static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2")
        .replaceAll("([A-Z])([A-Z][a-z])", "$1-$2")
        .toLowerCase(Locale.ROOT);
  }

  /**
   * Sets every flag given in {@code a} on a new classifier.
   *
   * @throws UsageException naming the flag, with the library's message, for an invalid value
   */
  static LogitClassifier apply(CliArgs a) {
    LogitClassifier c = new LogitClassifier();
    for (Flag f : FLAGS) {
      if (!a.has(f.flag())) {
        continue;
      }
      Class<?> t = f.type();
      Object v;
      if (t == double.class) {
        v = a.getDouble(f.flag());
      } else if (t == int.class) {
        v = a.getInt(f.flag());
      } else if (t == long.class) {
        v = a.getLong(f.flag());
      } else if (t == boolean.class) {
        v = a.getBoolean(f.flag());
      } else {
        v = a.get(f.flag());
      }
      try {
        f.setter().invoke(c, v);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        if (cause instanceof IllegalArgumentException) {
          throw new UsageException("--" + f.flag() + ": " + Errors.oneLine(cause.getMessage()),
              cause);
        }
        throw new IllegalStateException("setting " + f.name() + " failed: " + cause, cause);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
    return c;
  }

  /** The value (set or default) of the param named like {@code param} on {@code p}, or null. */
  static Object valueOf(Params p, Param<?> param) {
    if (!p.hasParam(param.name())) {
      return null;
    }
    Param<Object> own = p.getParam(param.name());
    Option<?> v = p.get(own);
    if (v.isEmpty()) {
      v = p.getDefault(own);
    }
    return v.isEmpty() ? null : v.get();
  }

  /** The help lines of the flags: name, metavar, the param's doc and default. */
  static String help() {
    LogitClassifier c = new LogitClassifier();
    StringBuilder sb = new StringBuilder();
    for (Flag f : FLAGS) {
      Object def = valueOf(c, f.param());
      String left = "  --" + f.flag() + " " + f.metavar();
      String doc = f.param().doc() + (def == null ? "" : " [" + def + "]");
      sb.append(left);
      if (left.length() < 36) {
        sb.append(" ".repeat(36 - left.length()));
      } else {
        sb.append("\n").append(" ".repeat(36));
      }
      sb.append(wrap(doc, 36, 100)).append('\n');
    }
    return sb.toString();
  }

  private static String wrap(String text, int indent, int width) {
    StringBuilder out = new StringBuilder();
    int col = indent;
    for (String word : text.split("\\s+")) {
      if (col > indent && col + 1 + word.length() > width) {
        out.append('\n').append(" ".repeat(indent));
        col = indent;
      } else if (col > indent) {
        out.append(' ');
        col++;
      }
      out.append(word);
      col += word.length();
    }
    return out.toString();
  }
}
