/**
 * Persistence in Spark's layout (metadata JSON plus one Parquet data row with a format version),
 * with readers that only ever instantiate this library's classes and refuse damaged files.
 */
package io.github.stablelogit.ml.io;
