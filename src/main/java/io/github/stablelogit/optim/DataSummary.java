package io.github.stablelogit.optim;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Mergeable statistics of training rows, gathered while they are packed into blocks: weighted
 * count, per-feature weighted mean and sum of squared deviations (merged with Chan et al.'s
 * pairwise update, so no precision is lost to the textbook Σx² − n·mean² cancellation), the
 * weighted label sum, and the rows rejected as invalid, by kind, with the first example of each.
 *
 * <p>The feature standard deviation is the unbiased weighted one that Spark's {@code Summarizer}
 * reports: sqrt(M2 / (W − Σw²/W)).
 */
public final class DataSummary implements Serializable {

  private static final long serialVersionUID = 1L;

  /** The kinds of invalid input that are rejected before any optimization starts. */
  public enum Problem {
    /** A null features vector. */
    NULL_FEATURES,
    /** A NaN or infinite feature value. */
    FEATURE_NOT_FINITE,
    /** A features vector whose size differs from the first row's. */
    SIZE_MISMATCH,
    /** A null, NaN or out-of-range label. */
    BAD_LABEL,
    /** A null, NaN, infinite or negative weight. */
    BAD_WEIGHT,
    /** A null fold id, or one outside [0, numFolds) (cross-validation with a fold column). */
    BAD_FOLD,
    /**
     * A sparse features vector whose indices are not strictly increasing in [0, size), or not as
     * many as its values, or a vector struct with a null field: a struct that no {@code Vectors}
     * call made.
     */
    MALFORMED_VECTOR
  }

  private int numFeatures = -1;
  private long rows;
  private long zeroWeightRows;
  private double weightSum;
  private double weightSqSum;
  private double labelWeightSum;
  private long validationRows;
  private double validationWeightSum;
  private double validationLabelWeightSum;
  private double hessianWork;
  private double[] mean;
  private double[] m2;
  private final long[] problemCounts = new long[Problem.values().length];
  private final String[] problemExamples = new String[Problem.values().length];
  private final long[] problemPositions = new long[Problem.values().length];

  /** An empty summary. */
  public DataSummary() {
    Arrays.fill(problemPositions, Long.MAX_VALUE);
  }

  /** @return the feature vector size, or −1 if no row was seen */
  public int numFeatures() {
    return numFeatures;
  }

  /** @return number of accepted rows with positive weight */
  public long rows() {
    return rows;
  }

  /** @return number of accepted rows whose weight was 0 (they do not enter the objective) */
  public long zeroWeightRows() {
    return zeroWeightRows;
  }

  /** @return W = Σw */
  public double weightSum() {
    return weightSum;
  }

  /** @return Σw² */
  public double weightSquareSum() {
    return weightSqSum;
  }

  /** @return Σw·y over raw labels */
  public double labelWeightSum() {
    return labelWeightSum;
  }

  /** @return rows marked for validation (not in the training statistics) */
  public long validationRows() {
    return validationRows;
  }

  /** @return Σw over validation rows */
  public double validationWeightSum() {
    return validationWeightSum;
  }

  /** @return Σw·y over validation rows */
  public double validationLabelWeightSum() {
    return validationLabelWeightSum;
  }

  /**
   * The multiply-adds of one Hessian pass's Gram over the rows that enter the objective: Σ (v_i +
   * 1)² over rows of positive weight, v_i the values the row stores (d in a dense block, its
   * non-zeros in a CSR block; + 1 for the intercept).
   *
   * @return the Gram work of a Hessian pass
   */
  public double hessianWork() {
    return hessianWork;
  }

  /** @return weighted feature means (a copy); zeros if no rows */
  public double[] mean() {
    return mean == null ? new double[Math.max(numFeatures, 0)] : mean.clone();
  }

  /** @return unbiased weighted feature standard deviations, Spark's definition */
  public double[] std() {
    double[] s = new double[Math.max(numFeatures, 0)];
    double denom = weightSum - (weightSum > 0 ? weightSqSum / weightSum : 0.0);
    if (m2 != null && denom > 0) {
      for (int j = 0; j < s.length; j++) {
        s[j] = Math.sqrt(Math.max(m2[j] / denom, 0.0));
      }
    }
    return s;
  }

  /** @return rows rejected for the given problem */
  public long problemCount(Problem p) {
    return problemCounts[p.ordinal()];
  }

  /** @return the first rejected row's description for the given problem, or null */
  public String problemExample(Problem p) {
    return problemExamples[p.ordinal()];
  }

  /** @return true if any row was rejected */
  public boolean hasProblems() {
    for (long c : problemCounts) {
      if (c > 0) {
        return true;
      }
    }
    return false;
  }

  void recordProblem(Problem p, long position, String example) {
    int k = p.ordinal();
    problemCounts[k]++;
    if (position < problemPositions[k]) {
      problemPositions[k] = position;
      problemExamples[k] = example;
    }
  }

  void setNumFeatures(int d) {
    this.numFeatures = d;
  }

  void setValidation(long n, double w, double wy) {
    validationRows = n;
    validationWeightSum = w;
    validationLabelWeightSum = wy;
  }

  void setHessianWork(double work) {
    hessianWork = work;
  }

  void countZeroWeightRow() {
    zeroWeightRows++;
  }

  /**
   * Sets the row statistics of one block from its own mean and M2 (computed two-pass over the block
   * while it is in cache).
   */
  void setRows(long n, double w, double w2, double wy, double[] blockMean, double[] blockM2) {
    this.rows = n;
    this.weightSum = w;
    this.weightSqSum = w2;
    this.labelWeightSum = wy;
    this.mean = blockMean;
    this.m2 = blockM2;
  }

  /**
   * Merges another summary into this one.
   *
   * @param other another summary (unchanged)
   * @return this
   */
  public DataSummary merge(DataSummary other) {
    if (other.numFeatures >= 0) {
      if (numFeatures < 0) {
        numFeatures = other.numFeatures;
      } else if (numFeatures != other.numFeatures) {
        recordProblem(Problem.SIZE_MISMATCH, Long.MAX_VALUE - 1, String.format(
            "vectors of size %d in one partition and %d in another", numFeatures,
            other.numFeatures));
      }
    }
    if (other.weightSum > 0 && other.mean != null
        && other.mean.length == Math.max(numFeatures, 0)) {
      if (weightSum == 0 || mean == null) {
        mean = other.mean.clone();
        m2 = other.m2.clone();
      } else {
        double total = weightSum + other.weightSum;
        double fb = other.weightSum / total;
        double cross = weightSum * other.weightSum / total;
        for (int j = 0; j < mean.length; j++) {
          double delta = other.mean[j] - mean[j];
          mean[j] += delta * fb;
          m2[j] += other.m2[j] + delta * delta * cross;
        }
      }
      weightSum += other.weightSum;
    }
    rows += other.rows;
    zeroWeightRows += other.zeroWeightRows;
    weightSqSum += other.weightSqSum;
    labelWeightSum += other.labelWeightSum;
    validationRows += other.validationRows;
    validationWeightSum += other.validationWeightSum;
    validationLabelWeightSum += other.validationLabelWeightSum;
    hessianWork += other.hessianWork;
    for (int k = 0; k < problemCounts.length; k++) {
      problemCounts[k] += other.problemCounts[k];
      if (other.problemPositions[k] < problemPositions[k]) {
        problemPositions[k] = other.problemPositions[k];
        problemExamples[k] = other.problemExamples[k];
      }
    }
    return this;
  }
}
