package io.github.stablelogit.loss;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link BceLanes} with {@code jdk.incubator.vector}: {@link KernelChunks#bceRows} with {@link
 * DetMath#expNonPositive} and {@link DetMath#logOneToTwo} inlined, lane by lane, in the same
 * operations in the same order (no fused multiply-add where the scalar code has none, table reads
 * as gathers), so each lane's bits are the row's bits. The weighted losses of a vector are added
 * to the running sum one lane after the other, in row order. Rows past the last full vector go
 * through the scalar loop. Loaded by name only when the module is present.
 *
 * <p>Focal loss (γ &gt; 0) adds to the same exp and log passes a pass for m, α_t and the brackets
 * of the row code, a pass for m^γ (m·m, m, √m for γ = 2, 1, 1/2 as the row code has them, else
 * {@link DetMath#pow}'s logCore with its tail and expCore with a tail, lane-wise) and the
 * products; a vector with a lane where the row code takes another path (e^(−|z|) subnormal, m
 * below {@link LogitLoss#directPowFloor()}, NaN) is handed to the row code whole.
 */
final class VectorBceKernel extends BceLanes {

  // The widest species, as the BLAS (dev.ludovic.netlib's VectorBLAS) uses: the JIT's type
  // profiles of the shared vector methods then see one class, not two (with the preferred
  // species, in a JVM that also runs that BLAS, the kernel took twice the time per row).
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_MAX;
  private static final VectorSpecies<Long> L = LongVector.SPECIES_MAX;
  /** As many int lanes as double lanes: half the bits. */
  private static final VectorSpecies<Integer> I =
      VectorSpecies.of(int.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
  private static final long EXPONENT = 0xfffL << 52;
  private static final int CHUNK = KernelScratch.CHUNK;
  private static final double[] ONES = ones();

  /** Public no-arg constructor, for loading by name. */
  public VectorBceKernel() {}

  @Override
  double bce(LogitLoss loss, double[] margins, int from, double[] labels, double[] weights,
      double[] derivatives, double[] curvatures, int n) {
    int upper = n - n % D.length();
    KernelScratch s = KernelScratch.get();
    int[] index = s.index(D.length());
    double sum = 0.0;
    // Three simple loops per chunk (exp; log1p and the division; the rest), each small enough
    // for the JIT to compile without boxing a vector.
    for (int c = 0; c < upper; c += CHUNK) {
      int m = Math.min(CHUNK, upper - c);
      expPass(margins, c, s.e, m, index);
      logPass(s.e, s.inv, s.l1p, m, index);
      sum = combine(loss, margins, from, labels, weights, derivatives, curvatures, c, m, s.e,
          s.inv, s.l1p, s.terms(D.length()), sum);
    }
    return KernelChunks.bceRows(loss, margins, from, labels, weights, derivatives, curvatures,
        upper, n, sum);
  }

  @Override
  double focal(LogitLoss loss, double[] margins, int from, double[] labels, double[] weights,
      double[] derivatives, double[] curvatures, int n) {
    int upper = n - n % D.length();
    KernelScratch s = KernelScratch.get();
    int[] index = s.index(D.length());
    double[] e = s.e;
    double[] l1p = s.l1p;
    double[] m = s.m;
    double[] curvBracket = curvatures != null ? s.curvBracket : null;
    double sum = 0.0;
    // exp; log1p and the division; B, B', m, r and the brackets; m^γ; the products and the sum.
    for (int c = 0; c < upper; c += CHUNK) {
      int len = Math.min(CHUNK, upper - c);
      expPass(margins, c, e, len, index);
      logPass(e, s.inv, l1p, len, index);
      focalTerms(loss, margins, from, labels, c, len, e, s.inv, l1p, m, s.alphaT, s.bracket,
          curvBracket);
      // l1p now holds B; e (read no more) receives m^γ.
      powPass(loss.gamma(), m, e, len, index);
      sum = focalCombine(loss, margins, from, labels, weights, derivatives, curvatures, c, len,
          m, e, l1p, s.alphaT, s.bracket, curvBracket, s.terms(D.length()), sum);
    }
    return KernelChunks.focalRows(loss, margins, from, labels, weights, derivatives,
        curvatures, upper, n, sum);
  }

  /**
   * The focal row arithmetic of {@link LogitLossKernel#row} up to m^γ, for the len rows from c:
   * B into l1p, α_t, the bracket γrB + B' and (unless null) the curvature bracket into their
   * arrays, m into m — or −1 where e^(−|z|) is not a normal number, for which the row code forms
   * r otherwise (the combining pass gives such vectors to the row code).
   */
  private static void focalTerms(LogitLoss loss, double[] margins, int from, double[] labels,
      int c, int len, double[] e, double[] inv, double[] l1p, double[] m, double[] alphaT,
      double[] bracket, double[] curvBracket) {
    double eps = loss.labelSmoothing();
    double pw = loss.posWeight();
    double gamma = loss.gamma();
    double alpha = loss.alpha();
    double keep = 1.0 - eps;
    double add = 0.5 * eps;
    DoubleVector zero = DoubleVector.zero(D);
    DoubleVector one = DoubleVector.broadcast(D, 1.0);
    DoubleVector minusOne = DoubleVector.broadcast(D, -1.0);
    for (int k = 0; k < len; k += D.length()) {
      int i = c + k;
      DoubleVector z = DoubleVector.fromArray(D, margins, i);
      DoubleVector y = DoubleVector.fromArray(D, labels, from + i);
      // LabelSmoothing.positive and .negative, each in its own form for ε = 0.
      DoubleVector yp = eps == 0.0 ? y : y.mul(keep).add(add);
      DoubleVector q = eps == 0.0 ? one.sub(y) : one.sub(y).mul(keep).add(add);
      LongVector zBits = (LongVector) z.convertShape(VectorOperators.REINTERPRET_D2L, L, 0);
      VectorMask<Double> negative = zBits.lt(0L).cast(D);
      DoubleVector ek = DoubleVector.fromArray(D, e, k);
      DoubleVector invk = DoubleVector.fromArray(D, inv, k);
      DoubleVector l1pk = DoubleVector.fromArray(D, l1p, k);
      DoubleVector ei = ek.mul(invk);
      DoubleVector sigPos = invk.blend(ei, negative);
      DoubleVector sigNeg = ei.blend(invk, negative);
      DoubleVector pwy = yp.mul(pw);
      DoubleVector negPart = zero.blend(z.neg(), negative);
      DoubleVector posPart = z.blend(zero, negative);
      DoubleVector b = pwy.mul(negPart.add(l1pk)).add(q.mul(posPart.add(l1pk)));
      DoubleVector db = q.mul(sigPos).sub(pwy.mul(sigNeg));
      b.intoArray(l1p, k);
      (alpha >= 0 ? yp.mul(alpha).add(q.mul(1.0 - alpha)) : one).intoArray(alphaT, k);
      DoubleVector mk = yp.mul(sigNeg).add(q.mul(sigPos));
      mk.blend(minusOne, ek.lt(LogitLossKernel.MIN_NORMAL_E)).intoArray(m, k);
      DoubleVector cy = one.sub(y.mul(2.0)).mul(1.0 - eps);
      DoubleVector r = cy.mul(ei).div(yp.blend(q, negative).mul(ek).add(q.blend(yp, negative)));
      DoubleVector gr = r.mul(gamma);
      gr.mul(b).add(db).intoArray(bracket, k);
      if (curvBracket != null) {
        DoubleVector ddb = q.add(pwy).mul(sigPos.mul(sigNeg));
        DoubleVector t = r.mul(gamma - 1.0).add(sigNeg.sub(sigPos));
        DoubleVector general = gr.mul(t.mul(b).add(db.mul(2.0))).add(ddb);
        zero.blend(general, gr.abs().lt(LogitLossKernel.HUGE_GAMMA_R))
            .blend(ddb, gr.eq(0.0)).intoArray(curvBracket, k);
      }
    }
  }

  /**
   * p[k] = m[k]^γ as LogitLossKernel.powM forms it for m at or above the direct floor: m·m, m,
   * √m for γ = 2, 1, 1/2, else DetMath.pow — logCore with its tail and expCore with a tail
   * lane-wise, written out in the loop. Lanes below the floor get meaningless values.
   */
  private static void powPass(double gamma, double[] m, double[] p, int len, int[] index) {
    if (gamma == 2.0 || gamma == 1.0 || gamma == 0.5) {
      for (int k = 0; k < len; k += D.length()) {
        DoubleVector mk = DoubleVector.fromArray(D, m, k);
        (gamma == 2.0 ? mk.mul(mk) : gamma == 1.0 ? mk : mk.sqrt()).intoArray(p, k);
      }
      return;
    }
    DoubleVector minusOne = DoubleVector.broadcast(D, -1.0);
    for (int k = 0; k < len; k += D.length()) {
      // log m, as in logPass, with the double-double tail of DetMath.pow.
      LongVector ix = (LongVector) DoubleVector.fromArray(D, m, k)
          .convertShape(VectorOperators.REINTERPRET_D2L, L, 0);
      LongVector tmp = ix.sub(DetMath.LOG_OFF);
      tmp.lanewise(VectorOperators.LSHR, 52 - DetMath.BITS).and(DetMath.N - 1)
          .convertShape(VectorOperators.L2I, I, 0).reinterpretAsInts().intoArray(index, 0);
      DoubleVector z = (DoubleVector) ix.sub(tmp.and(EXPONENT))
          .convertShape(VectorOperators.REINTERPRET_L2D, D, 0);
      DoubleVector invc = DoubleVector.fromArray(D, DetMath.LOG_INVC, 0, index, 0);
      DoubleVector logc = DoubleVector.fromArray(D, DetMath.LOG_C_HI, 0, index, 0);
      DoubleVector logcTail = DoubleVector.fromArray(D, DetMath.LOG_C_LO, 0, index, 0);
      DoubleVector r = z.fma(invc, minusOne);
      DoubleVector kd = (DoubleVector) tmp.lanewise(VectorOperators.ASHR, 52)
          .convertShape(VectorOperators.L2D, D, 0);
      DoubleVector kl = kd.mul(DetMath.LN2_HI);
      DoubleVector t1 = kl.add(logc);
      DoubleVector e1 = kl.sub(t1).add(logc);
      DoubleVector t2 = t1.add(r);
      DoubleVector e2 = t1.sub(t2).add(r);
      DoubleVector ar = r.mul(-0.5);
      DoubleVector ar2 = ar.mul(r);
      DoubleVector e3 = ar.fma(r, ar2.neg());
      DoubleVector hi = t2.add(ar2);
      DoubleVector e4 = t2.sub(hi).add(ar2);
      DoubleVector poly = r.mul(0.25).add(-2.0 / 7);
      poly = r.mul(poly).add(1.0 / 3);
      poly = r.mul(poly).add(-2.0 / 5);
      poly = r.mul(poly).add(0.5);
      poly = r.mul(poly).add(-2.0 / 3);
      DoubleVector pl = ar2.mul(r).mul(poly);
      DoubleVector lo = kd.mul(DetMath.LN2_LO).add(logcTail).add(e1).add(e2).add(e3).add(e4)
          .add(pl);
      DoubleVector logHi = hi.add(lo);
      DoubleVector logLo = hi.sub(logHi).add(lo);
      // e^(γ log m) with the product's rounding error and γ·tail as the tail, as expCore.
      DoubleVector x = logHi.mul(gamma);
      DoubleVector tail = logHi.fma(DoubleVector.broadcast(D, gamma), x.neg())
          .add(logLo.mul(gamma));
      DoubleVector shifted = x.mul(DetMath.INV_LN2_N).add(DetMath.SHIFT);
      LongVector kk = ((LongVector) shifted.convertShape(VectorOperators.REINTERPRET_D2L, L, 0))
          .sub(DetMath.SHIFT_BITS);
      DoubleVector kdd = shifted.sub(DetMath.SHIFT);
      DoubleVector rr = kdd.fma(DoubleVector.broadcast(D, -DetMath.LN2_N_HI), x);
      rr = kdd.fma(DoubleVector.broadcast(D, -DetMath.LN2_N_LO), rr).add(tail);
      LongVector top = kk.lanewise(VectorOperators.ASHR, DetMath.BITS);
      kk.and(DetMath.N - 1).convertShape(VectorOperators.L2I, I, 0).reinterpretAsInts()
          .intoArray(index, 0);
      DoubleVector th = DoubleVector.fromArray(D, DetMath.EXP2_HI, 0, index, 0);
      DoubleVector tl = DoubleVector.fromArray(D, DetMath.EXP2_LO, 0, index, 0);
      DoubleVector r2 = rr.mul(rr);
      DoubleVector pe = rr.add(r2.mul(rr.mul(1.0 / 6).add(0.5)
          .add(r2.mul(rr.mul(1.0 / 120).add(1.0 / 24)))));
      DoubleVector y = th.add(th.fma(pe, tl));
      LongVector half = top.lanewise(VectorOperators.ASHR, 1);
      DoubleVector s1 = (DoubleVector) half.add(1023L).lanewise(VectorOperators.LSHL, 52)
          .convertShape(VectorOperators.REINTERPRET_L2D, D, 0);
      DoubleVector s2 = (DoubleVector) top.sub(half).add(1023L).lanewise(VectorOperators.LSHL, 52)
          .convertShape(VectorOperators.REINTERPRET_L2D, D, 0);
      y.mul(s1).mul(s2).intoArray(p, k);
    }
  }

  /**
   * The focal loss, derivative and curvature of the len rows from c, α_t (m^γ x) for x = B, the
   * bracket and the curvature bracket, weighted; the weighted losses added to sum in row order.
   * A vector with a lane whose m is below the direct floor of m^γ (or marked −1) goes through the
   * row code instead, which forms m^γ in log space there.
   */
  private static double focalCombine(LogitLoss loss, double[] margins, int from, double[] labels,
      double[] weights, double[] derivatives, double[] curvatures, int c, int len, double[] m,
      double[] p, double[] b, double[] alphaT, double[] bracket, double[] curvBracket,
      double[] terms, double sum) {
    double floor = loss.directPowFloor();
    double[] weightArray = weights != null ? weights : ONES;
    int weightOffset = weights != null ? from : -c;
    for (int k = 0; k < len; k += D.length()) {
      int i = c + k;
      if (!DoubleVector.fromArray(D, m, k).compare(VectorOperators.GE, floor).allTrue()) {
        sum = KernelChunks.focalRows(loss, margins, from, labels, weights, derivatives,
            curvatures, i, i + D.length(), sum);
        continue;
      }
      DoubleVector pk = DoubleVector.fromArray(D, p, k);
      DoubleVector at = DoubleVector.fromArray(D, alphaT, k);
      DoubleVector w = DoubleVector.fromArray(D, weightArray, weightOffset + i);
      w.mul(at.mul(pk.mul(DoubleVector.fromArray(D, b, k)))).intoArray(terms, 0);
      at.mul(pk.mul(DoubleVector.fromArray(D, bracket, k))).mul(w).intoArray(derivatives, i);
      if (curvatures != null) {
        at.mul(pk.mul(DoubleVector.fromArray(D, curvBracket, k))).mul(w)
            .intoArray(curvatures, i);
      }
      for (int t = 0; t < terms.length; t++) {
        sum += terms[t];
      }
    }
    return sum;
  }

  /**
   * e[k] = e^(−|z|) for the m margins from c: DetMath.expCore lane-wise (tail 0), written out in
   * the loop (a vector passed to a method the JIT does not inline is boxed).
   */
  private static void expPass(double[] margins, int c, double[] e, int m, int[] index) {
    for (int k = 0; k < m; k += D.length()) {
      DoubleVector x = DoubleVector.fromArray(D, margins, c + k).abs().neg()
          .max(DetMath.EXP_CLAMP);
      DoubleVector shifted = x.mul(DetMath.INV_LN2_N).add(DetMath.SHIFT);
      LongVector kk = ((LongVector) shifted.convertShape(VectorOperators.REINTERPRET_D2L, L, 0))
          .sub(DetMath.SHIFT_BITS);
      DoubleVector kd = shifted.sub(DetMath.SHIFT);
      DoubleVector r = kd.fma(DoubleVector.broadcast(D, -DetMath.LN2_N_HI), x);
      r = kd.fma(DoubleVector.broadcast(D, -DetMath.LN2_N_LO), r).add(0.0);
      LongVector top = kk.lanewise(VectorOperators.ASHR, DetMath.BITS);
      kk.and(DetMath.N - 1).convertShape(VectorOperators.L2I, I, 0).reinterpretAsInts()
          .intoArray(index, 0);
      DoubleVector th = DoubleVector.fromArray(D, DetMath.EXP2_HI, 0, index, 0);
      DoubleVector tl = DoubleVector.fromArray(D, DetMath.EXP2_LO, 0, index, 0);
      DoubleVector r2 = r.mul(r);
      DoubleVector p = r.add(r2.mul(r.mul(1.0 / 6).add(0.5)
          .add(r2.mul(r.mul(1.0 / 120).add(1.0 / 24)))));
      DoubleVector y = th.add(th.fma(p, tl));
      LongVector half = top.lanewise(VectorOperators.ASHR, 1);
      DoubleVector s1 = (DoubleVector) half.add(1023L).lanewise(VectorOperators.LSHL, 52)
          .convertShape(VectorOperators.REINTERPRET_L2D, D, 0);
      DoubleVector s2 = (DoubleVector) top.sub(half).add(1023L).lanewise(VectorOperators.LSHL, 52)
          .convertShape(VectorOperators.REINTERPRET_L2D, D, 0);
      y.mul(s1).mul(s2).intoArray(e, k);
    }
  }

  /**
   * inv = 1/u and l1p = log u − ((u − 1) − e)·inv with u = 1 + e, as in the scalar kernel; log u
   * is DetMath.logOneToTwo lane-wise, written out in the loop.
   */
  private static void logPass(double[] e, double[] inv, double[] l1p, int m, int[] index) {
    DoubleVector minusOne = DoubleVector.broadcast(D, -1.0);
    for (int k = 0; k < m; k += D.length()) {
      DoubleVector ek = DoubleVector.fromArray(D, e, k);
      DoubleVector u = ek.add(1.0);
      DoubleVector invk = DoubleVector.broadcast(D, 1.0).div(u);
      invk.intoArray(inv, k);
      LongVector ix = (LongVector) u.convertShape(VectorOperators.REINTERPRET_D2L, L, 0);
      ix.sub(DetMath.ONE_BITS).lanewise(VectorOperators.LSHR, 52 - DetMath.BITS)
          .min((long) DetMath.N).convertShape(VectorOperators.L2I, I, 0).reinterpretAsInts()
          .intoArray(index, 0);
      DoubleVector invc = DoubleVector.fromArray(D, DetMath.UNIT_INVC, 0, index, 0);
      DoubleVector logc = DoubleVector.fromArray(D, DetMath.UNIT_LOGC, 0, index, 0);
      DoubleVector r = u.fma(invc, minusOne);
      DoubleVector r2 = r.mul(r);
      DoubleVector poly = r.mul(-0.125).add(1.0 / 7);
      poly = r.mul(poly).add(-1.0 / 6);
      poly = r.mul(poly).add(0.2);
      poly = r.mul(poly).add(-0.25);
      poly = r.mul(poly).add(1.0 / 3);
      poly = r.mul(poly).add(-0.5);
      DoubleVector p = r2.mul(poly);
      logc.add(r.add(p)).sub(u.sub(1.0).sub(ek).mul(invk)).intoArray(l1p, k);
    }
  }

  /**
   * The loss, derivative and curvature of the m rows from c, from e, inv and l1p; the weighted
   * losses added to sum in row order.
   */
  private static double combine(LogitLoss loss, double[] margins, int from, double[] labels,
      double[] weights, double[] derivatives, double[] curvatures, int c, int m, double[] e,
      double[] inv, double[] l1p, double[] terms, double sum) {
    double eps = loss.labelSmoothing();
    double pw = loss.posWeight();
    // LabelSmoothing in one form for every ε: for ε = 0, y·1 + 0 and (1 − y)·1 + 0 are y and
    // 1 − y (but +0 for a label of −0, whose products pw·y'·(…) ≥ 0 are then added to terms that
    // make every result the same).
    double keep = 1.0 - eps;
    double add = 0.5 * eps;
    DoubleVector zero = DoubleVector.zero(D);
    DoubleVector one = DoubleVector.broadcast(D, 1.0);
    double[] weightArray = weights != null ? weights : ONES;
    int weightOffset = weights != null ? from : -c;
    for (int k = 0; k < m; k += D.length()) {
      int i = c + k;
      DoubleVector z = DoubleVector.fromArray(D, margins, i);
      DoubleVector y = DoubleVector.fromArray(D, labels, from + i);
      DoubleVector yp = y.mul(keep).add(add);
      DoubleVector q = one.sub(y).mul(keep).add(add);
      LongVector zBits = (LongVector) z.convertShape(VectorOperators.REINTERPRET_D2L, L, 0);
      VectorMask<Double> negative = zBits.lt(0L).cast(D);
      DoubleVector ek = DoubleVector.fromArray(D, e, k);
      DoubleVector invk = DoubleVector.fromArray(D, inv, k);
      DoubleVector l1pk = DoubleVector.fromArray(D, l1p, k);
      DoubleVector ei = ek.mul(invk);
      DoubleVector sigPos = invk.blend(ei, negative);
      DoubleVector sigNeg = ei.blend(invk, negative);
      DoubleVector pwy = yp.mul(pw);
      // Math.max(−z, 0) and Math.max(z, 0), by the sign bit as in the scalar code's ±0 cases.
      DoubleVector negPart = zero.blend(z.neg(), negative);
      DoubleVector posPart = z.blend(zero, negative);
      DoubleVector b = pwy.mul(negPart.add(l1pk)).add(q.mul(posPart.add(l1pk)));
      DoubleVector db = q.mul(sigPos).sub(pwy.mul(sigNeg));
      DoubleVector ddb = q.add(pwy).mul(sigPos.mul(sigNeg));
      // Unweighted rows are multiplied by weights of 1, which is exact.
      DoubleVector w = DoubleVector.fromArray(D, weightArray, weightOffset + i);
      w.mul(b).intoArray(terms, 0);
      db.mul(w).intoArray(derivatives, i);
      if (curvatures != null) {
        ddb.mul(w).intoArray(curvatures, i);
      }
      for (int t = 0; t < terms.length; t++) {
        sum += terms[t];
      }
    }
    return sum;
  }

  private static double[] ones() {
    double[] ones = new double[CHUNK];
    java.util.Arrays.fill(ones, 1.0);
    return ones;
  }
}
