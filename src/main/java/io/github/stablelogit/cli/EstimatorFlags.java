package io.github.stablelogit.cli;

import io.github.stablelogit.ml.ClassifierParams;
import io.github.stablelogit.ml.LogitClassifier;
import io.github.stablelogit.ml.LogitParams;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import scala.Option;

/**
 * The estimator options of {@code train}: one kebab-case flag per parameter of the {@code
 * --model-type}'s estimator ({@link LogitClassifier} or {@code LogitMLPClassifier}) that is not a
 * column name ({@code posWeight} → {@code --pos-weight}, {@code maxBlockSizeInMB} → {@code
 * --max-block-size-in-mb}; the network's {@code seed} is {@code --init-seed}, as {@code --seed}
 * seeds the splits). They are read from the estimators' own params, so a parameter added to the
 * library becomes a flag without changes here; values go through the library's setters, whose
 * messages say what is wrong. A parameter both estimators have is one flag, its values checked by
 * the chosen estimator; a flag of only one model type is refused for the other.
 */
final class EstimatorFlags {

  /** Display order of the flags known when this was written; others follow by name. */
  private static final List<String> ORDER = List.of("loss", "posWeight", "autoPosWeight",
      "focalGamma", "focalAlpha", "labelSmoothing", "regParam", "elasticNetParam", "maxIter",
      "tol", "fitIntercept", "standardization", "threshold", "correctProbabilities",
      "aggregationDepth", "maxBlockSizeInMB", "layers", "activation", "solver", "stepSize",
      "warmupIters", "maxGradNorm", "miniBatchFraction", "seed");

  /** Params whose flag is not their kebab-case name. */
  private static final Map<String, String> RENAMED = Map.of("seed", "init-seed");

  /** Flags in display order. */
  private static final Comparator<Flag> ORDERING = Comparator.comparingInt((Flag f) -> {
    int i = ORDER.indexOf(f.name());
    return i < 0 ? ORDER.size() : i;
  }).thenComparing(Flag::name);

  /** One flag of one model type. */
  record Flag(String flag, Param<?> param, Method setter, ModelType model) {

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
      if (t == int[].class) {
        return "N,N";
      }
      if (t == double.class) {
        return "X";
      }
      return "VALUE";
    }

    /** The param's default on a new estimator of this flag's type, or null. */
    Object defaultValue() {
      return valueOf((Params) model.newEstimator(), param);
    }
  }

  private static final Map<ModelType, List<Flag>> FLAGS = discover();

  private EstimatorFlags() {}

  /** @return the flags of every model type, one per flag name (the linear model's first) */
  static List<Flag> all() {
    List<Flag> out = new ArrayList<>(FLAGS.get(ModelType.LINEAR));
    for (Flag f : FLAGS.get(ModelType.MLP)) {
      if (of(ModelType.LINEAR, f.flag()) == null) {
        out.add(f);
      }
    }
    out.sort(ORDERING);
    return List.copyOf(out);
  }

  static List<String> names() {
    List<String> out = new ArrayList<>();
    all().forEach(f -> out.add(f.flag()));
    return out;
  }

  /** @return the flag named {@code flag} of model type {@code t}, or null */
  static Flag of(ModelType t, String flag) {
    for (Flag f : FLAGS.get(t)) {
      if (f.flag().equals(flag)) {
        return f;
      }
    }
    return null;
  }

  /** Whether a param is set through a dedicated option or not at all: column names. */
  static boolean isColumnParam(String name) {
    return name.endsWith("Col") || name.endsWith("Cols");
  }

  private static Map<ModelType, List<Flag>> discover() {
    Map<ModelType, List<Flag>> out = new EnumMap<>(ModelType.class);
    for (ModelType t : ModelType.values()) {
      Params c = (Params) t.newEstimator();
      List<Flag> flags = new ArrayList<>();
      for (Param<?> p : c.params()) {
        if (isColumnParam(p.name())) {
          continue;
        }
        Method setter = setterOf(c.getClass(), p.name());
        if (setter != null) {
          flags.add(new Flag(RENAMED.getOrDefault(p.name(), kebab(p.name())), p, setter, t));
        }
      }
      flags.sort(ORDERING);
      out.put(t, List.copyOf(flags));
    }
    return out;
  }

  private static Method setterOf(Class<?> owner, String name) {
    String want = "set" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    for (Method m : owner.getMethods()) {
      if (m.getName().equals(want) && m.getParameterCount() == 1) {
        Class<?> t = m.getParameterTypes()[0];
        if (t == double.class || t == int.class || t == long.class || t == boolean.class
            || t == String.class || t == int[].class) {
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
   * Sets every flag given in {@code a} on a new linear classifier.
   *
   * @throws UsageException naming the flag, with the library's message, for an invalid value
   */
  static LogitClassifier apply(CliArgs a) {
    return (LogitClassifier) apply(a, ModelType.LINEAR);
  }

  /**
   * Sets every flag given in {@code a} on a new estimator of the model type.
   *
   * @throws UsageException for a flag of the other model type, or naming the flag with the
   *     library's message for an invalid value
   */
  static ClassifierParams<?> apply(CliArgs a, ModelType type) {
    for (Flag f : all()) {
      if (a.has(f.flag()) && of(type, f.flag()) == null) {
        throw new UsageException(String.format(Locale.ROOT, "--%s only applies to --model-type "
            + "%s (this is --model-type %s)", f.flag(), f.model().flag, type.flag));
      }
    }
    ClassifierParams<?> c = type.newEstimator();
    for (Flag f : FLAGS.get(type)) {
      if (a.has(f.flag())) {
        set(c, f, value(a, f), perType(f));
      }
    }
    return c;
  }

  private static Object value(CliArgs a, Flag f) {
    Class<?> t = f.type();
    if (t == double.class) {
      return a.getDouble(f.flag());
    } else if (t == int.class) {
      return a.getInt(f.flag());
    } else if (t == long.class) {
      return a.getLong(f.flag());
    } else if (t == boolean.class) {
      return a.getBoolean(f.flag());
    } else if (t == int[].class) {
      List<String> items = a.getList(f.flag());
      int[] v = new int[items.size()];
      for (int i = 0; i < v.length; i++) {
        try {
          v[i] = Integer.parseInt(items.get(i));
        } catch (NumberFormatException e) {
          throw new UsageException("--" + f.flag() + " expects integers like 64,32, but got '"
              + items.get(i) + "'", e);
        }
      }
      return v;
    }
    return a.get(f.flag());
  }

  private static void set(ClassifierParams<?> c, Flag f, Object v, boolean perType) {
    try {
      f.setter().invoke(c, v);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IllegalArgumentException) {
        throw new UsageException("--" + f.flag() + ": " + Errors.oneLine(cause.getMessage())
            + (perType ? " (with --model-type " + f.model().flag + ")" : ""), cause);
      }
      throw new IllegalStateException("setting " + f.name() + " failed: " + cause, cause);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Whether a flag of both model types means something else for each (another doc or default,
   * e.g. --solver); false for a flag of one model type.
   */
  static boolean perType(Flag f) {
    for (ModelType t : ModelType.values()) {
      Flag g = of(t, f.flag());
      if (g != null && g != f && (!g.param().doc().equals(f.param().doc())
          || !Objects.deepEquals(g.defaultValue(), f.defaultValue()))) {
        return true;
      }
    }
    return false;
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

  /**
   * The help lines of the flags (name, metavar, the param's doc and default): those that mean
   * the same for both model types, then those of each type.
   */
  static String help() {
    StringBuilder sb = new StringBuilder();
    sb.append("model:\n");
    line(sb, "  --model-type linear|mlp", "linear: LogitClassifier, a linear model (default); "
        + "mlp: LogitMLPClassifier, a feed-forward network with one logit output. Flags of one "
        + "type are refused for the other; --cv-folds is linear only");
    sb.append("\nestimator, both model types (parameters of both; defaults in brackets):\n");
    for (Flag f : FLAGS.get(ModelType.LINEAR)) {
      if (of(ModelType.MLP, f.flag()) != null && !perType(f)) {
        line(sb, f);
      }
    }
    for (ModelType t : ModelType.values()) {
      sb.append("\n--model-type ").append(t.flag).append(" (").append(t.estimator)
          .append(" parameters):\n");
      for (Flag f : FLAGS.get(t)) {
        if (perType(f) || Arrays.stream(ModelType.values())
            .filter(u -> u != t).allMatch(u -> of(u, f.flag()) == null)) {
          line(sb, f);
        }
      }
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, Flag f) {
    Object def = f.defaultValue();
    String shown = def instanceof int[] v ? Arrays.stream(v).mapToObj(String::valueOf)
        .collect(Collectors.joining(",")) : String.valueOf(def);
    line(sb, "  --" + f.flag() + " " + f.metavar(), f.param().doc()
        + (def == null ? "" : " [" + shown + "]"));
  }

  private static void line(StringBuilder sb, String left, String doc) {
    sb.append(left);
    if (left.length() < 36) {
      sb.append(" ".repeat(36 - left.length()));
    } else {
      sb.append("\n").append(" ".repeat(36));
    }
    sb.append(wrap(doc, 36, 100)).append('\n');
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
