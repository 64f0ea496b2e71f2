package io.github.stablelogit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/** The metrics JSON: building blocks shared by the commands, and writing it through Hadoop. */
final class Json {

  private Json() {}

  /** @return an empty object that keeps its keys in insertion order */
  static ObjectNode object() {
    return new ObjectMapper().createObjectNode();
  }

  /** Puts a double as a double (null when not finite). */
  static void putDouble(ObjectNode n, String key, double v) {
    if (Double.isFinite(v)) {
      n.put(key, v);
    } else {
      n.putNull(key);
    }
  }

  /** Puts a number, as an integer when it is one, and null for NaN and infinities. */
  static void putNumber(ObjectNode n, String key, double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      n.putNull(key);
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      n.put(key, (long) v);
    } else {
      n.put(key, v);
    }
  }

  /** Adds the values, in order. */
  static void strings(ArrayNode arr, List<String> values) {
    values.forEach(arr::add);
  }

  /** Adds the values, in order; non-finite ones as null. */
  static void doubles(ArrayNode arr, double[] values) {
    for (double v : values) {
      if (Double.isFinite(v)) {
        arr.add(v);
      } else {
        arr.addNull();
      }
    }
  }

  /** @return seconds rounded to milliseconds */
  static double seconds(double seconds) {
    return Math.round(seconds * 1000.0) / 1000.0;
  }

  /** The label mapping: column, positive and negative value, how they compare, and why. */
  static void label(ObjectNode n, Labels.Spec spec) {
    n.put("column", spec.column());
    n.put("positive", spec.positive());
    n.put("negative", spec.negative());
    n.put("numeric", spec.numeric());
    n.put("rule", spec.rule());
  }

  /** Every non-column parameter of the classifier, in the flags' order, by its Spark name. */
  static void params(ObjectNode n, Params m) {
    for (EstimatorFlags.Flag f : EstimatorFlags.all()) {
      Param<?> p = m.hasParam(f.name()) ? m.getParam(f.name()) : null;
      Object v = p == null ? null : EstimatorFlags.valueOf(m, p);
      if (v == null) {
        continue;
      }
      if (v instanceof Double d) {
        putDouble(n, f.name(), d);
      } else if (v instanceof Integer i) {
        n.put(f.name(), i);
      } else if (v instanceof Long l) {
        n.put(f.name(), l);
      } else if (v instanceof Boolean b) {
        n.put(f.name(), b);
      } else if (v instanceof int[] a) {
        ArrayNode arr = n.putArray(f.name());
        for (int x : a) {
          arr.add(x);
        }
      } else {
        n.put(f.name(), v.toString());
      }
    }
  }

  /** Writes pretty JSON (keys in insertion order) through Hadoop, without .crc side files. */
  static void write(Configuration conf, String path, ObjectNode json) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    if (fs instanceof LocalFileSystem local) {
      fs = local.getRaw();
    }
    Path q = fs.makeQualified(p);
    if (q.getParent() != null && !fs.exists(q.getParent())) {
      fs.mkdirs(q.getParent());
    }
    byte[] bytes = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
        .writeValueAsBytes(json);
    try (OutputStream os = fs.create(q, true)) {
      os.write(bytes);
      os.write('\n');
    }
  }
}
