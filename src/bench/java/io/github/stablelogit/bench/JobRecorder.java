package io.github.stablelogit.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.JobSucceeded$;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Records every Spark job: its submission and end time (the scheduler's wall clock, ms), the name
 * of its result stage (Spark's call site, e.g. "treeAggregate at LogitObjective.java:127"), how
 * many stages actually ran (skipped ones excluded), its tasks and their summed executor run time
 * and CPU time (the CPU time is the robust number on a loaded machine).
 */
final class JobRecorder extends SparkListener {

  /** One job. */
  static final class Job {
    final int id;
    final long startMs;
    final String name;
    volatile long endMs = -1;
    volatile boolean succeeded;
    volatile int stagesRun;
    volatile int tasks;
    volatile long taskRunMs;
    volatile long taskCpuNs;

    Job(int id, long startMs, String name) {
      this.id = id;
      this.startMs = startMs;
      this.name = name;
    }

    double seconds() {
      return (endMs - startMs) / 1e3;
    }
  }

  private final Map<Integer, Job> jobs = new ConcurrentHashMap<>();
  private final Map<Integer, Job> byStage = new ConcurrentHashMap<>();

  @Override
  public void onJobStart(SparkListenerJobStart e) {
    List<StageInfo> stages = CollectionConverters.asJava(e.stageInfos());
    StageInfo result =
        stages.stream().max(Comparator.comparingInt(StageInfo::stageId)).orElse(null);
    Job j = new Job(e.jobId(), e.time(), result == null ? "?" : result.name());
    jobs.put(e.jobId(), j);
    for (StageInfo s : stages) {
      byStage.put(s.stageId(), j);
    }
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd e) {
    Job j = jobs.get(e.jobId());
    if (j != null) {
      j.succeeded = e.jobResult() == JobSucceeded$.MODULE$;
      j.endMs = e.time();
    }
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted e) {
    Job j = byStage.get(e.stageInfo().stageId());
    if (j != null) {
      j.stagesRun++;
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd e) {
    Job j = byStage.get(e.stageId());
    if (j != null && e.taskMetrics() != null) {
      j.tasks++;
      j.taskRunMs += e.taskMetrics().executorRunTime();
      j.taskCpuNs += e.taskMetrics().executorCpuTime();
    }
  }

  /** Waits until the listener bus has delivered every event posted so far. */
  static void drain(SparkContext sc) {
    try {
      sc.listenerBus().waitUntilEmpty();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  /** @return the highest job id seen so far, or −1 */
  int lastJobId() {
    return jobs.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
  }

  /** @return the jobs with id &gt; after, in id order */
  List<Job> jobsAfter(int after) {
    List<Job> out = new ArrayList<>();
    jobs.values().stream().filter(j -> j.id > after).sorted(Comparator.comparingInt(j -> j.id))
        .forEach(out::add);
    return out;
  }
}
