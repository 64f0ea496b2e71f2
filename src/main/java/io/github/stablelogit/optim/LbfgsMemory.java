package io.github.stablelogit.optim;

import breeze.linalg.DenseVector;
import breeze.math.MutableEnumeratedCoordinateField;
import breeze.math.MutableInnerProductModule;
import breeze.optimize.DiffFunction;
import breeze.optimize.FirstOrderMinimizer;
import breeze.optimize.LBFGS;
import breeze.optimize.OWLQN;
import java.util.ArrayList;
import java.util.List;
import scala.collection.immutable.IndexedSeq;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;

/**
 * The correction pairs (s, y) an L-BFGS or OWL-QN minimization ended with, carried to the next
 * minimization of a regularization path over the same variables, so that its first direction
 * already has the curvature the previous fit learnt instead of being the plain negative gradient.
 *
 * <p>Two objectives of a path differ in the strength of the quadratic penalty, whose Hessian is
 * the diagonal D ({@link LogitObjective#penaltyCurvature}), and of the L1 penalty, which no pair
 * sees (OWL-QN's pairs are those of the smooth part, as L-BFGS's). A pair of
 * the previous objective (y = ∇f_old(x + s) − ∇f_old(x)) is therefore exactly a pair of the new
 * one after y ← y + (D_new − D_old)·s: the loss part of the gradient difference does not depend
 * on the penalty. Pairs whose corrected sᵀy is not positive are dropped, as L-BFGS needs. With
 * such a start, the first trial step is the quasi-Newton step itself (length 1 along the
 * direction), where a cold start tries a step of breeze's choosing along −g and searches on.
 *
 * <p>Deterministic: the pairs are the previous minimization's own doubles, corrected in a fixed
 * order, so a path's fits are repeatable bit for bit.
 */
public final class LbfgsMemory {

  /** Newest first, as breeze keeps them. */
  private List<double[]> steps = List.of();
  private List<double[]> gradientChanges = List.of();
  /** The penalty Hessian's diagonal of the objective the pairs were taken on. */
  private double[] penaltyCurvature;

  /** An empty memory: the first minimization starts cold. */
  public LbfgsMemory() {}

  /** Forgets the pairs: the next minimization starts cold. */
  public void clear() {
    steps = List.of();
    gradientChanges = List.of();
    penaltyCurvature = null;
  }

  /** @return the number of pairs held */
  public int size() {
    return steps.size();
  }

  /**
   * The pairs for an objective whose penalty Hessian's diagonal is {@code now}, or null when none
   * carries over (empty memory, another dimension, or every corrected sᵀy ≤ 0).
   */
  LBFGS.ApproximateInverseHessian<DenseVector<Object>> seed(int m, double[] now,
      MutableInnerProductModule<DenseVector<Object>, Object> space) {
    if (steps.isEmpty() || now == null || penaltyCurvature == null
        || now.length != penaltyCurvature.length) {
      return null;
    }
    List<DenseVector<Object>> s = new ArrayList<>();
    List<DenseVector<Object>> y = new ArrayList<>();
    for (int k = 0; k < steps.size() && s.size() < m; k++) {
      double[] sk = steps.get(k);
      double[] yk = gradientChanges.get(k).clone();
      for (int j = 0; j < yk.length; j++) {
        yk[j] += (now[j] - penaltyCurvature[j]) * sk[j];
      }
      if (InstanceBlock.blas().ddot(yk.length, sk, 1, yk, 1) > 0) {
        s.add(new DenseVector<Object>(sk.clone()));
        y.add(new DenseVector<Object>(yk));
      }
    }
    if (s.isEmpty()) {
      return null;
    }
    return new LBFGS.ApproximateInverseHessian<>(m, indexed(s), indexed(y), space);
  }

  /** Keeps breeze's pairs (newest first) of a minimization over an objective with D = curvature. */
  void record(LBFGS.ApproximateInverseHessian<DenseVector<Object>> history, double[] curvature) {
    steps = arrays(history.memStep());
    gradientChanges = arrays(history.memGradDelta());
    penaltyCurvature = curvature == null ? null : curvature.clone();
  }

  /** Keeps pairs given oldest first, as {@link LogitMinimizer}'s slope-based phase keeps them. */
  void record(java.util.Collection<double[][]> oldestFirst, double[] curvature) {
    List<double[]> s = new ArrayList<>();
    List<double[]> y = new ArrayList<>();
    for (double[][] pair : oldestFirst) {
      s.add(0, pair[0].clone());
      y.add(0, pair[1].clone());
    }
    steps = List.copyOf(s);
    gradientChanges = List.copyOf(y);
    penaltyCurvature = curvature == null ? null : curvature.clone();
  }

  private static IndexedSeq<DenseVector<Object>> indexed(List<DenseVector<Object>> v) {
    return CollectionConverters.asScala(v).toIndexedSeq();
  }

  private static List<double[]> arrays(IndexedSeq<DenseVector<Object>> v) {
    List<double[]> out = new ArrayList<>();
    for (DenseVector<Object> d : CollectionConverters.asJava(v)) {
      out.add(((double[]) d.toArray(ClassTag$.MODULE$.Double())).clone());
    }
    return List.copyOf(out);
  }

  /**
   * The state breeze's step-size choice sees at a seeded start: the same state as a later
   * iteration's, so the first line search starts at step 1 (the quasi-Newton step), as every
   * later one does, instead of at a step of unit length (L-BFGS) or 0.5/‖g‖ (OWL-QN), which
   * breeze takes when the first direction is the plain gradient.
   */
  private static <H> FirstOrderMinimizer.State<DenseVector<Object>, Object, H> asLater(
      FirstOrderMinimizer.State<DenseVector<Object>, Object, H> s) {
    return new FirstOrderMinimizer.State<>(s.x(), s.value(), s.grad(), s.adjustedValue(),
        s.adjustedGradient(), 1, s.initialAdjVal(), s.history(), s.convergenceInfo(),
        s.searchFailed(), s.convergenceReason());
  }

  /** Breeze's L-BFGS starting from {@code seed}. */
  static final class Seeded extends LBFGS<DenseVector<Object>> {
    private static final long serialVersionUID = 1L;
    /** Used on the driver only, never serialized. */
    private final transient LBFGS.ApproximateInverseHessian<DenseVector<Object>> seed;

    Seeded(FirstOrderMinimizer.ConvergenceCheck<DenseVector<Object>> check, int m,
        MutableInnerProductModule<DenseVector<Object>, Object> space,
        LBFGS.ApproximateInverseHessian<DenseVector<Object>> seed) {
      super(check, m, space);
      this.seed = seed;
    }

    @Override
    public LBFGS.ApproximateInverseHessian<DenseVector<Object>> initialHistory(
        DiffFunction<DenseVector<Object>> f, DenseVector<Object> x) {
      return seed;
    }

    @Override
    public double determineStepSize(FirstOrderMinimizer.State<DenseVector<Object>, Object,
        LBFGS.ApproximateInverseHessian<DenseVector<Object>>> state,
        DiffFunction<DenseVector<Object>> f, DenseVector<Object> dir) {
      return super.determineStepSize(state.iter() == 0 ? asLater(state) : state, f, dir);
    }
  }

  /** Breeze's OWL-QN starting from {@code seed} (its pairs are the smooth part's, as here). */
  static final class SeededOwlqn extends OWLQN<Object, DenseVector<Object>> {
    private static final long serialVersionUID = 1L;
    /** Used on the driver only, never serialized. */
    private final transient LBFGS.ApproximateInverseHessian<DenseVector<Object>> seed;

    SeededOwlqn(FirstOrderMinimizer.ConvergenceCheck<DenseVector<Object>> check, int m,
        scala.Function1<Object, Object> l1,
        MutableEnumeratedCoordinateField<DenseVector<Object>, Object, Object> space,
        LBFGS.ApproximateInverseHessian<DenseVector<Object>> seed) {
      super(check, m, l1, space);
      this.seed = seed;
    }

    @Override
    public LBFGS.ApproximateInverseHessian<DenseVector<Object>> initialHistory(
        DiffFunction<DenseVector<Object>> f, DenseVector<Object> x) {
      return seed;
    }

    @Override
    public double determineStepSize(FirstOrderMinimizer.State<DenseVector<Object>, Object,
        LBFGS.ApproximateInverseHessian<DenseVector<Object>>> state,
        DiffFunction<DenseVector<Object>> f, DenseVector<Object> dir) {
      return super.determineStepSize(state.iter() == 0 ? asLater(state) : state, f, dir);
    }
  }
}
