package io.github.stablelogit.optim;

import breeze.linalg.DenseVector;
import breeze.optimize.DiffFunction;
import java.lang.invoke.MethodHandles;
import java.util.List;
import org.apache.xbean.asm9.ClassWriter;
import org.apache.xbean.asm9.MethodVisitor;
import org.apache.xbean.asm9.Opcodes;
import scala.Tuple2;

/**
 * Lets Java code hand an objective to breeze's optimizers.
 *
 * <p>Breeze's {@code DiffFunction} is a Scala trait that inherits two methods named {@code apply}
 * with the same parameter and different return types ({@code Object} from {@code Function1},
 * {@code double} from {@code StochasticDiffFunction}). Scala emits both; Java source cannot declare
 * such a pair, and javac also refuses to subclass the Scala classes that have it, and {@code
 * java.lang.reflect.Proxy} refuses the interface. So this class defines, once per JVM, a tiny class
 * that implements the trait the way scalac would — a constructor running the traits' initializers,
 * {@code calculate} delegating to an {@link Evaluator}, the generic {@code apply} and the {@code
 * repr} bridge — with the ASM library that Spark itself ships (shaded as {@code
 * org.apache.xbean.asm9}, used by Spark's closure cleaner). Every other method is the trait's own
 * default (BreezeBridgeTest checks that none is left abstract). The optimizer runs on the driver
 * only, so the generated class never travels to executors.
 */
final class BreezeBridge {

  /** The Java side of the objective: breeze calls it with a DenseVector of doubles. */
  public interface Evaluator {
    /**
     * @param x the point, a {@code breeze.linalg.DenseVector<Object>} of doubles
     * @return (value, gradient)
     */
    Tuple2<Object, DenseVector<Object>> calculate(Object x);
  }

  private static final String NAME = "io/github/stablelogit/optim/BreezeBridge$Function";
  private static final String EVALUATOR = "io/github/stablelogit/optim/BreezeBridge$Evaluator";
  /**
   * The traits whose initializers the constructor runs, supertraits first, as scalac would for a
   * class extending DiffFunction. BreezeBridgeTest checks this against the breeze on the classpath.
   */
  static final List<String> TRAITS = List.of("scala/Function1",
      "breeze/linalg/ImmutableNumericOps", "breeze/linalg/NumericOps",
      "breeze/optimize/StochasticDiffFunction", "breeze/optimize/DiffFunction");
  private static volatile Class<?> generated;

  private BreezeBridge() {}

  /**
   * @param evaluator the objective
   * @return a breeze DiffFunction calling it
   */
  @SuppressWarnings("unchecked")
  static DiffFunction<DenseVector<Object>> of(Evaluator evaluator) {
    try {
      return (DiffFunction<DenseVector<Object>>) generatedClass()
          .getConstructor(Evaluator.class).newInstance(evaluator);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create the breeze objective adapter", e);
    }
  }

  private static Class<?> generatedClass() throws IllegalAccessException {
    Class<?> c = generated;
    if (c == null) {
      synchronized (BreezeBridge.class) {
        c = generated;
        if (c == null) {
          c = MethodHandles.lookup().defineClass(bytecode());
          generated = c;
        }
      }
    }
    return c;
  }

  private static byte[] bytecode() {
    ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
    cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, NAME, null,
        "java/lang/Object", new String[] {"breeze/optimize/DiffFunction"});
    cw.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_FINAL, "evaluator", "L" + EVALUATOR + ";",
        null, null).visitEnd();

    MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "(L" + EVALUATOR + ";)V",
        null, null);
    init.visitCode();
    init.visitVarInsn(Opcodes.ALOAD, 0);
    init.visitVarInsn(Opcodes.ALOAD, 1);
    init.visitFieldInsn(Opcodes.PUTFIELD, NAME, "evaluator", "L" + EVALUATOR + ";");
    init.visitVarInsn(Opcodes.ALOAD, 0);
    init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
    for (String t : TRAITS) {
      init.visitVarInsn(Opcodes.ALOAD, 0);
      init.visitMethodInsn(Opcodes.INVOKESTATIC, t, "$init$", "(L" + t + ";)V", true);
    }
    init.visitInsn(Opcodes.RETURN);
    init.visitMaxs(0, 0);
    init.visitEnd();

    MethodVisitor calc = cw.visitMethod(Opcodes.ACC_PUBLIC, "calculate",
        "(Ljava/lang/Object;)Lscala/Tuple2;", null, null);
    calc.visitCode();
    calc.visitVarInsn(Opcodes.ALOAD, 0);
    calc.visitFieldInsn(Opcodes.GETFIELD, NAME, "evaluator", "L" + EVALUATOR + ";");
    calc.visitVarInsn(Opcodes.ALOAD, 1);
    calc.visitMethodInsn(Opcodes.INVOKEINTERFACE, EVALUATOR, "calculate",
        "(Ljava/lang/Object;)Lscala/Tuple2;", true);
    calc.visitInsn(Opcodes.ARETURN);
    calc.visitMaxs(0, 0);
    calc.visitEnd();

    // Function1.apply(Object): Object — the boxed value, as scalac's bridge would return.
    MethodVisitor apply = cw.visitMethod(Opcodes.ACC_PUBLIC, "apply",
        "(Ljava/lang/Object;)Ljava/lang/Object;", null, null);
    apply.visitCode();
    apply.visitVarInsn(Opcodes.ALOAD, 0);
    apply.visitVarInsn(Opcodes.ALOAD, 1);
    apply.visitMethodInsn(Opcodes.INVOKEVIRTUAL, NAME, "calculate",
        "(Ljava/lang/Object;)Lscala/Tuple2;", false);
    apply.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "scala/Tuple2", "_1", "()Ljava/lang/Object;",
        false);
    apply.visitInsn(Opcodes.ARETURN);
    apply.visitMaxs(0, 0);
    apply.visitEnd();

    // ImmutableNumericOps.repr(): Object is abstract; the traits' defaults return narrower types,
    // so scalac adds this bridge to the class (to DiffFunction's repr, i.e. this object).
    MethodVisitor repr = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_BRIDGE
        | Opcodes.ACC_SYNTHETIC, "repr", "()Ljava/lang/Object;", null, null);
    repr.visitCode();
    repr.visitVarInsn(Opcodes.ALOAD, 0);
    repr.visitMethodInsn(Opcodes.INVOKESTATIC, "breeze/optimize/DiffFunction", "repr$",
        "(Lbreeze/optimize/DiffFunction;)Lbreeze/optimize/DiffFunction;", true);
    repr.visitInsn(Opcodes.ARETURN);
    repr.visitMaxs(0, 0);
    repr.visitEnd();

    cw.visitEnd();
    return cw.toByteArray();
  }
}
