package io.github.stablelogit.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.stablelogit.ml.LogitMLPClassificationModel;
import io.github.stablelogit.ml.LogitTrainingSummary;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The train report's section for a network ({@code --model-type mlp}), in place of the linear
 * model's coefficient table: the layers (inputs, outputs, activation, parameters and the
 * Frobenius norm of each weight matrix) and a summary of the objective and gradient histories.
 */
final class NetworkLayout implements ModelSection {

  private final int[] sizes;
  private final String activation;
  private final int parameters;
  private final double[] weightNorms;
  private final double[] objective;
  private final double[] gradientNorm;

  private NetworkLayout(int[] sizes, String activation, int parameters, double[] weightNorms,
      double[] objective, double[] gradientNorm) {
    this.sizes = sizes;
    this.activation = activation;
    this.parameters = parameters;
    this.weightNorms = weightNorms;
    this.objective = objective;
    this.gradientNorm = gradientNorm;
  }

  /**
   * @param model the fitted network, with its summary
   * @return its layout
   */
  static NetworkLayout of(LogitMLPClassificationModel model) {
    int[] sizes = model.layerSizes();
    double[] norms = new double[sizes.length - 1];
    for (int k = 0; k < norms.length; k++) {
      double s = 0.0;
      for (double w : model.layerWeights(k).toArray()) {
        s += w * w;
      }
      norms[k] = Math.sqrt(s);
    }
    LogitTrainingSummary summary = model.summary();
    return new NetworkLayout(sizes, model.getActivation(), model.weights().size(), norms,
        summary.objectiveHistory(), summary.gradientNormHistory());
  }

  private String activationOf(int k) {
    return k == sizes.length - 2 ? "logit" : activation;
  }

  /** The first iteration with the lowest finite objective, or -1. */
  private int lowest() {
    int best = -1;
    for (int t = 0; t < objective.length; t++) {
      if (Double.isFinite(objective[t]) && (best < 0 || objective[t] < objective[best])) {
        best = t;
      }
    }
    return best;
  }

  @Override
  public void print(PrintStream out) {
    StringBuilder shape = new StringBuilder().append(sizes[0]);
    for (int k = 1; k < sizes.length; k++) {
      shape.append(" -> ").append(sizes[k]).append(" (").append(activationOf(k - 1)).append(')');
    }
    out.println();
    out.println(String.format(Locale.ROOT, "network: %s; %,d parameters", shape, parameters));
    out.println(String.format(Locale.ROOT, "%-6s %8s %8s %-11s %11s %14s", "layer", "inputs",
        "outputs", "activation", "parameters", "|W| (Frob.)"));
    for (int k = 0; k < sizes.length - 1; k++) {
      out.println(String.format(Locale.ROOT, "%-6d %8d %8d %-11s %11d %14.6g", k + 1, sizes[k],
          sizes[k + 1], activationOf(k), sizes[k + 1] * (sizes[k] + 1), weightNorms[k]));
    }
    int last = objective.length - 1;
    if (last >= 0) {
      int best = lowest();
      out.println(String.format(Locale.ROOT, "objective: %.6g at iteration 0 -> %.6g at "
              + "iteration %d (lowest %.6g at iteration %d); |gradient| %.3e -> %.3e",
          objective[0], objective[last], last, best < 0 ? Double.NaN : objective[best], best,
          gradientNorm[0], gradientNorm[last]));
    }
  }

  @Override
  public void toJson(ObjectNode json) {
    ObjectNode n = json.putObject("network");
    ArrayNode s = n.putArray("layer_sizes");
    for (int v : sizes) {
      s.add(v);
    }
    n.put("activation", activation);
    n.put("parameters", parameters);
    ArrayNode layers = n.putArray("layers");
    for (int k = 0; k < sizes.length - 1; k++) {
      ObjectNode l = layers.addObject();
      l.put("inputs", sizes[k]);
      l.put("outputs", sizes[k + 1]);
      l.put("activation", activationOf(k));
      l.put("parameters", sizes[k + 1] * (sizes[k] + 1));
      Json.putDouble(l, "weight_norm", weightNorms[k]);
    }
    int last = objective.length - 1;
    if (last >= 0) {
      ObjectNode h = n.putObject("history_summary");
      int best = lowest();
      Json.putDouble(h, "initial_objective", objective[0]);
      Json.putDouble(h, "final_objective", objective[last]);
      Json.putDouble(h, "lowest_objective", best < 0 ? Double.NaN : objective[best]);
      h.put("lowest_iteration", best);
      Json.putDouble(h, "initial_gradient_norm", gradientNorm[0]);
      Json.putDouble(h, "final_gradient_norm", gradientNorm[last]);
    }
  }
}
