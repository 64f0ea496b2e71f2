package io.github.stablelogit.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import breeze.linalg.DenseVector;
import breeze.linalg.ImmutableNumericOps;
import breeze.optimize.DiffFunction;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * The class BreezeBridge generates must match the breeze on the classpath: a breeze upgrade that
 * changes DiffFunction's traits must fail here rather than in a fit.
 */
class BreezeBridgeTest {

  /** f(x) = ½ Σ k (x_k − c_k)² + 3, gradient x − c. */
  private static final double[] C = {1.5, -2.0, 0.25};

  private static final BreezeBridge.Evaluator QUADRATIC = x -> {
    @SuppressWarnings("unchecked")
    DenseVector<Object> v = (DenseVector<Object>) x;
    double value = 3.0;
    double[] g = new double[C.length];
    for (int k = 0; k < C.length; k++) {
      double xk = (Double) v.apply(k);
      g[k] = xk - C[k];
      value += 0.5 * (k + 1) * g[k] * g[k];
      g[k] *= k + 1;
    }
    return new Tuple2<Object, DenseVector<Object>>(value, new DenseVector<Object>(g));
  };

  /** DiffFunction and all its superinterfaces, transitively, in no particular order. */
  private static Set<Class<?>> superinterfaces(Class<?> root) {
    Set<Class<?>> seen = new LinkedHashSet<>();
    Deque<Class<?>> todo = new ArrayDeque<>(List.of(root));
    while (!todo.isEmpty()) {
      Class<?> c = todo.pop();
      if (seen.add(c)) {
        todo.addAll(List.of(c.getInterfaces()));
      }
    }
    return seen;
  }

  /** Whether scalac gave this interface a trait initializer, {@code static void $init$(self)}. */
  private static boolean hasTraitInitializer(Class<?> c) {
    for (Method m : c.getDeclaredMethods()) {
      if (m.getName().equals("$init$") && Modifier.isStatic(m.getModifiers())
          && m.getParameterCount() == 1 && m.getParameterTypes()[0] == c) {
        return true;
      }
    }
    return false;
  }

  private static String internalName(Class<?> c) {
    return c.getName().replace('.', '/');
  }

  @Test
  void traitListIsEveryTraitOfDiffFunctionSupertraitsFirst() throws Exception {
    Set<Class<?>> all = superinterfaces(DiffFunction.class);
    Set<String> traits = new TreeSet<>();
    for (Class<?> c : all) {
      if (hasTraitInitializer(c)) {
        traits.add(internalName(c));
      }
    }
    assertEquals(traits, new TreeSet<>(BreezeBridge.TRAITS),
        "breeze's DiffFunction traits changed: update BreezeBridge.TRAITS (all of " + all + ")");
    assertEquals(BreezeBridge.TRAITS.size(), new TreeSet<>(BreezeBridge.TRAITS).size());
    // Initializers run supertraits first: no trait is listed before one of its supertraits.
    List<Class<?>> listed = new ArrayList<>();
    for (String t : BreezeBridge.TRAITS) {
      listed.add(Class.forName(t.replace('/', '.')));
    }
    for (int i = 0; i < listed.size(); i++) {
      for (int j = i + 1; j < listed.size(); j++) {
        assertFalse(listed.get(j).isAssignableFrom(listed.get(i)),
            listed.get(i) + " is initialized before its supertrait " + listed.get(j));
      }
    }
  }

  @Test
  void generatedClassImplementsEveryMethodOfEverySuperinterface() {
    Class<?> generated = BreezeBridge.of(QUADRATIC).getClass();
    for (Class<?> c : superinterfaces(DiffFunction.class)) {
      assertTrue(c.isAssignableFrom(generated), generated + " does not implement " + c);
    }
    List<Method> abstractMethods = new ArrayList<>();
    for (Method m : generated.getMethods()) {
      if (Modifier.isAbstract(m.getModifiers())) {
        abstractMethods.add(m);
      }
    }
    assertEquals(List.of(), abstractMethods, "left abstract in the generated class");
  }

  @Test
  void reprIsTheFunctionItself() throws Exception {
    DiffFunction<DenseVector<Object>> f = BreezeBridge.of(QUADRATIC);
    // Through ImmutableNumericOps' erased signature, as breeze's operators call it.
    assertSame(f, ImmutableNumericOps.class.getMethod("repr").invoke(f));
    assertSame(f, f.repr());
  }

  @Test
  void generatedClassCallsTheEvaluator() throws Exception {
    DiffFunction<DenseVector<Object>> f = BreezeBridge.of(QUADRATIC);
    DenseVector<Object> x = new DenseVector<Object>(new double[] {0.5, 1.0, 4.25});
    // ½(1·1 + 2·9 + 3·16) + 3 = 36.5; gradient (x − c)·k = (−1, 6, 12).
    double expected = 36.5;
    double[] expectedGradient = {-1.0, 6.0, 12.0};

    Tuple2<Object, DenseVector<Object>> vg = f.calculate(x);
    assertEquals(expected, (Double) vg._1(), 0.0);
    assertArrayEquals(expectedGradient, toArray(vg._2()), 0.0);
    assertEquals(expected, f.valueAt(x), 0.0);
    assertArrayEquals(expectedGradient, toArray(f.gradientAt(x)), 0.0);

    // Both apply(Object) methods: Function1's boxed one (generated) and the trait's double one.
    int applies = 0;
    for (Method m : f.getClass().getMethods()) {
      if (m.getName().equals("apply") && m.getParameterCount() == 1
          && m.getParameterTypes()[0] == Object.class) {
        Object value = m.invoke(f, x);
        assertEquals(expected, ((Number) value).doubleValue(), 0.0, m.toString());
        applies++;
      }
    }
    assertEquals(2, applies, "apply(Object) returning Object and double");

    // And at the minimum.
    DenseVector<Object> c = new DenseVector<Object>(C.clone());
    assertEquals(3.0, f.valueAt(c), 0.0);
    assertArrayEquals(new double[C.length], toArray(f.gradientAt(c)), 0.0);
  }

  private static double[] toArray(DenseVector<Object> v) {
    double[] a = new double[v.length()];
    for (int k = 0; k < a.length; k++) {
      a[k] = (Double) v.apply(k);
    }
    return a;
  }
}
