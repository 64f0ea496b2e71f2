package io.github.stablelogit.notebooks;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import kotlin.Unit;
import org.jetbrains.kotlinx.jupyter.api.libraries.JupyterIntegration;

/**
 * Kernel-side helper for the stablelogit notebooks, found by the Kotlin kernel through
 * META-INF/kotlin-jupyter-libraries/libraries.json (written by run-notebooks.sh next to the class).
 *
 * <p>The Kotlin kernel gives every cell a fresh System.out. Scala's Console, which Spark's
 * Dataset.show(), printSchema() and explain() print to, keeps the stream it saw the first time it
 * was used, so from the second cell on their output would vanish. This makes Console's default
 * stream a thin forwarder that looks System.out up on every write.
 */
public final class ScalaConsoleFollowsCell extends JupyterIntegration {

  @Override
  public void onLoaded(JupyterIntegration.Builder builder) {
    builder.onLoaded(host -> {
      install();
      return Unit.INSTANCE;
    });
  }

  private static void install() {
    PrintStream forwarder = new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        System.out.write(b);
      }

      @Override
      public void write(byte[] buf, int off, int len) {
        System.out.write(buf, off, len);
      }

      @Override
      public void flush() {
        System.out.flush();
      }
    }, true);
    try {
      ClassLoader loader = ScalaConsoleFollowsCell.class.getClassLoader();
      Object console = Class.forName("scala.Console$", true, loader).getField("MODULE$").get(null);
      Field outVar = console.getClass().getDeclaredField("outVar");
      outVar.setAccessible(true);
      Object dynamicVariable = outVar.get(console);
      // DynamicVariable's initial value lives in a private field with a name-mangled Scala name.
      Field init = Class.forName("scala.util.DynamicVariable", true, loader)
          .getDeclaredField("scala$util$DynamicVariable$$init");
      init.setAccessible(true);
      init.set(dynamicVariable, forwarder);
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      System.err.println("stablelogit notebooks: Spark's show() output may be missing in later "
          + "cells (could not redirect scala.Console: " + e + ")");
    }
  }
}
