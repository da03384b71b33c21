package io.taskforce.bench.jmh;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.taskforce.api.TaskSpec;
import io.taskforce.http.Json;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CPU a dispatch costs before any message is sent: the HTTP layer's parse and validation of a
 * TaskSpec body (its strict mapper), and the CBOR encoding of the spec that the task's Created
 * event carries into the journal.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DispatchBodyBench {
  private final byte[] body = ("{\"title\":\"Review the PR\",\"executor\":\"process\",\"input\":{\"command\":[\"bash\","
      + "\"-c\",\"echo working; sleep 2; echo done\"]},\"priority\":1,\"labels\":{\"team\":\"core\"}}")
      .getBytes(StandardCharsets.UTF_8);
  private final ObjectMapper cbor = new ObjectMapper(new CBORFactory()).findAndRegisterModules();
  private TaskSpec spec;

  @org.openjdk.jmh.annotations.Setup
  public void setup() throws Exception {
    spec = Json.MAPPER.readValue(body, TaskSpec.class);
  }

  @Benchmark
  public TaskSpec parseDispatchBody() throws Exception {
    return Json.MAPPER.readValue(body, TaskSpec.class);
  }

  @Benchmark
  public byte[] encodeSpecCbor() throws Exception {
    return cbor.writeValueAsBytes(spec);
  }
}
