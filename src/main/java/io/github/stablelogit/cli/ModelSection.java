package io.github.stablelogit.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;

/** The part of the train report that depends on the model type, after the metrics table. */
interface ModelSection {

  /**
   * Prints the section.
   *
   * @param out stdout
   */
  void print(PrintStream out);

  /**
   * Adds the section's keys to the metrics JSON.
   *
   * @param json the report's root object
   */
  void toJson(ObjectNode json);
}
