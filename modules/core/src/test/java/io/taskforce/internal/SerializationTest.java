package io.taskforce.internal;

import io.taskforce.internal.node.NodeSlots;
import io.taskforce.internal.task.TaskRunner;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.typesafe.config.ConfigFactory;
import io.taskforce.api.ErrorType;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.FeedEventType;
import io.taskforce.api.OutputChunk;
import io.taskforce.api.Progress;
import io.taskforce.api.SessionView;
import io.taskforce.api.TaskError;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import io.taskforce.internal.session.FeedIndex;
import io.taskforce.internal.session.SessionCommand;
import io.taskforce.internal.session.SessionEvent;
import io.taskforce.internal.session.SessionInfo;
import io.taskforce.internal.session.SessionReply;
import io.taskforce.internal.session.SessionState;
import io.taskforce.internal.session.SessionTasks;
import io.taskforce.internal.session.TaskEntry;
import io.taskforce.internal.task.AttemptOutcome;
import io.taskforce.internal.task.Outbox;
import io.taskforce.internal.task.OutputTail;
import io.taskforce.internal.task.ReportKind;
import io.taskforce.internal.task.TaskCommand;
import io.taskforce.internal.task.TaskCore;
import io.taskforce.internal.task.TaskData;
import io.taskforce.internal.task.TaskEvent;
import io.taskforce.internal.task.TaskReply;
import io.taskforce.internal.task.TaskReport;
import io.taskforce.internal.task.TaskState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every message, event and state that may cross a process boundary round-trips through the
 * system's own serializer (Jackson CBOR, bound to {@link JsonSerializable} in reference.conf),
 * and equals itself afterwards.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(TestKitJUnit5Extension.class)
class SerializationTest {

  @JUnit5TestKit
  final ActorTestKit testKit =
      new JUnit5TestKitBuilder()
          .withName("SerializationTest")
          .withCustomConfig(ConfigFactory.parseString(String.join("\n",
              "pekko.actor.provider = local",
              "pekko.loglevel = WARNING",
              "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
              "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"")))
          .build();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());
  private static final Instant AT = Instant.parse("2026-11-25T06:30:00.123456789Z");
  private static final Instant LATER = AT.plusSeconds(90);

  /**
   * Samples that do not round-trip today, each a known bug (see the report), with the reason. They
   * are kept out of the round trip, and listed here so that a fix shows up as a sample to re-admit.
   */
  /** Samples that do not round-trip yet, with the reason; empty since both known cases were fixed. */
  private static final Map<String, String> KNOWN_NOT_ROUND_TRIPPING = Map.of();

  // ---- the samples

  private final ActorRef<TaskReply> taskReplyTo = testKit.createTestProbe(TaskReply.class).ref();
  private final ActorRef<SessionReply> sessionReplyTo = testKit.createTestProbe(SessionReply.class).ref();
  private final ActorRef<NodeSlots.Command> slotsRef = testKit.createTestProbe(NodeSlots.Command.class).ref();
  private final ActorRef<TaskCommand> taskRef = testKit.createTestProbe(TaskCommand.class).ref();
  private final ActorRef<NodeSlots.Load> loadReplyTo = testKit.createTestProbe(NodeSlots.Load.class).ref();

  static JsonNode context() {
    ObjectNode node = JSON.createObjectNode().put("askedBy", "main session").put("purpose", "refactor auth");
    node.putObject("nested").putArray("values").add(1).add(2.5).addNull().add(true).add("ünïcödé ✓");
    node.put("big", 12345678901234L);
    return node;
  }

  static TaskSpec fullSpec() {
    ObjectNode input = JSON.createObjectNode();
    input.putArray("command").add("bash").add("-c").add("make test");
    return new TaskSpec("task-1", "Refactor the authentication module", "process", input, 3, 3600L, 2,
        Set.of(ErrorType.NODE_LOST, ErrorType.TIMEOUT, ErrorType.EXIT), context(), false,
        Map.of("area", "auth", "team", "core"));
  }

  static TaskData data() {
    return new TaskData("acme", "task-1", "s1", fullSpec(), AT);
  }

  static final byte[] BINARY = {0, 1, (byte) 0xff, (byte) 0xfe, 'o', 'k', '\n', (byte) 0xc3};

  static OutputTail tail() {
    return new OutputTail(1_000_000L, BINARY);
  }

  static Progress progress() {
    return new Progress(40, "running tests", AT);
  }

  static TaskError error() {
    return new TaskError(ErrorType.NODE_LOST, "the node running attempt 1 was lost");
  }

  static TaskReport fullReport() {
    return new TaskReport(4, ReportKind.COMPLETED, TaskStatus.COMPLETED, false, LATER, "Refactor", 3, true, 2,
        progress(), null, JSON.createObjectNode().put("exitCode", 0), null, context());
  }

  static TaskReport askingReport() {
    return new TaskReport(3, ReportKind.INPUT_REQUIRED, TaskStatus.INPUT_REQUIRED, true, AT, "", 0, false, 1,
        new Progress(null, "waiting", AT), "which branch?", null, null, null);
  }

  static TaskReport requeuedReport() {
    return new TaskReport(2, ReportKind.REQUEUED, TaskStatus.PENDING, false, AT, "t", -5, true, 1,
        null, null, null, error(), null);
  }

  static TaskCore core() {
    return new TaskCore(data(), 2, AT, progress(), new Outbox(4, List.of(requeuedReport(), askingReport(), fullReport())));
  }

  static SessionInfo sessionInfo() {
    return new SessionInfo("acme", "s1", "Main conversation", 4, 10_000,
        JSON.createObjectNode().put("user", "ada"), AT);
  }

  static SessionState.SessionBody body() {
    Map<String, TaskEntry> tasks = new LinkedHashMap<>();
    tasks.put("t2", new TaskEntry(5, 1, TaskStatus.RUNNING, false, true, 3, false));
    tasks.put("t1", new TaskEntry(1, 0, TaskStatus.PENDING, true, false, 1, false));
    tasks.put("t3", new TaskEntry(7, 0, TaskStatus.COMPLETED, false, false, 4, true));
    return new SessionState.SessionBody(sessionInfo(), 9, 4,
        Map.of("pending", 1L, "running", 1L, "completed", 1L, "failed", 0L), SessionTasks.of(tasks),
        new FeedIndex(64, List.of(1L, 65L), List.of(2L, 80L)));
  }

  static TaskView taskView() {
    return new TaskView("task-1", "s1", "Refactor", "process", TaskStatus.INPUT_REQUIRED, "which branch?",
        progress(), 2, 3, 1, Map.of("area", "auth"), context(), AT, AT, LATER,
        JSON.createObjectNode().put("text", "done"), error());
  }

  List<Object> samples() {
    ActorRef<TaskReply> t = taskReplyTo;
    ActorRef<SessionReply> s = sessionReplyTo;
    List<Object> all = new ArrayList<>();
    // supporting records
    all.addAll(List.of(data(), tail(), OutputTail.EMPTY, fullReport(), askingReport(), requeuedReport(),
        core(), Outbox.EMPTY, sessionInfo(), body(), body().tasks(), new TaskEntry(1, 0, TaskStatus.PAUSED, false, true, 2, false),
        new FeedIndex(64, List.of(), List.of())));
    all.addAll(List.of(
        new AttemptOutcome.Succeeded(JSON.createObjectNode().put("ok", true), tail()),
        new AttemptOutcome.Failed(error(), OutputTail.EMPTY),
        new AttemptOutcome.Stopped(tail())));
    // task commands
    all.addAll(List.of(
        new TaskCommand.Create(data(), t),
        new TaskCommand.Create(new TaskData("acme", "t2", "s1", TaskSpec.of("echo", null), AT), t),
        new TaskCommand.Get(t),
        new TaskCommand.AwaitFinished(t),
        new TaskCommand.GetOutput(1024, 65536, t),
        new TaskCommand.Pause(t),
        new TaskCommand.Resume(t),
        new TaskCommand.Cancel("no longer needed", t),
        new TaskCommand.Cancel(null, t),
        new TaskCommand.Answer("use main", t),
        new TaskCommand.StartAttempt(),
        new TaskCommand.ConfirmReports(7),
        new TaskCommand.Wake(7),
        new TaskCommand.CancelForSession("session closed"),
        new TaskCommand.NodeSlotGranted(slotsRef, 42L),
        new TaskCommand.RunnerEnded(2, new AttemptOutcome.Interrupted(tail())),
        new TaskCommand.RunnerProgress(2, progress()),
        new TaskCommand.RunnerAsked(1, "which branch?"),
        new TaskCommand.RunnerEnded(1, new AttemptOutcome.Stopped(tail())),
        new TaskCommand.RunnerStopped(1),
        new TaskCommand.HandOff(),
        new TaskCommand.RetellReports(),
        new TaskCommand.AttemptTimedOut(3),
        new TaskCommand.RetryDue(),
        new TaskCommand.RecoverAttempt(),
        new TaskCommand.PersistProgress(),
        new TaskCommand.IdleTimeout()));
    // between the nodes' slot keepers, and what a runner on another node is told
    all.addAll(List.of(
        new NodeSlots.Release(taskRef, 42L),
        new NodeSlots.RunAttempt(42L, taskRef, data(), 2),
        new NodeSlots.ToRunner(42L, new TaskRunner.Pause()),
        new NodeSlots.ToRunner(42L, new TaskRunner.Answer("use main")),
        new NodeSlots.ReadOutput(42L, 1024, 65536, t),
        new NodeSlots.PeerStatus(slotsRef, 3, 5, AT.toEpochMilli()),
        new NodeSlots.Offer(slotsRef, List.of(41L, 42L)),
        new NodeSlots.OfferTaken(slotsRef, List.of(41L, 42L), List.of(42L), List.of(taskRef)),
        new NodeSlots.GetLoad(loadReplyTo),
        new NodeSlots.Drain(loadReplyTo),
        new NodeSlots.Load("pekko://taskforce@10.0.0.7:2551", 3, 12, 8, true),
        new TaskRunner.Pause(),
        new TaskRunner.Resume(),
        new TaskRunner.Cancel(),
        new TaskRunner.Answer("use main"),
        new TaskRunner.HandBack(),
        new AttemptOutcome.Interrupted(tail())));
    // task events
    all.addAll(List.of(
        new TaskEvent.Created(data(), AT),
        new TaskEvent.Started(1, AT),
        new TaskEvent.ProgressRecorded(new Progress(null, null, AT), AT),
        new TaskEvent.ProgressRecorded(progress(), AT),
        new TaskEvent.InputRequested("which branch?", AT),
        new TaskEvent.Answered(AT),
        new TaskEvent.Paused(AT),
        new TaskEvent.Resumed(true, AT),
        new TaskEvent.AttemptFailed(error(), LATER, AT),
        new TaskEvent.AttemptInterrupted(AT),
        new TaskEvent.Completed(context(), tail(), AT),
        new TaskEvent.Completed(JSON.getNodeFactory().textNode("just text"), OutputTail.EMPTY, AT),
        new TaskEvent.Failed(new TaskError(ErrorType.EXIT, "exit code 2"), tail(), AT),
        new TaskEvent.Cancelled("session closed", OutputTail.EMPTY, AT),
        new TaskEvent.ReportsConfirmed(4, AT)));
    // task states
    all.addAll(List.of(
        new TaskState.EmptyTask(),
        new TaskState.PendingTask(core(), null),
        new TaskState.PendingTask(core(), LATER),
        new TaskState.RunningTask(core(), AT, 1500),
        new TaskState.InputRequiredTask(core(), "which branch?", 1500),
        new TaskState.PausedTask(core(), TaskStatus.INPUT_REQUIRED, "which branch?", null, 1500),
        new TaskState.PausedTask(core(), TaskStatus.PENDING, null, LATER, 0),
        new TaskState.CompletedTask(core(), LATER, JSON.createObjectNode().put("text", "done"), tail()),
        new TaskState.FailedTask(core(), LATER, error(), OutputTail.EMPTY),
        new TaskState.CancelledTask(core(), LATER, "cancelled", tail())));
    // task replies
    all.addAll(List.of(
        new TaskReply.View(taskView(), true),
        new TaskReply.Output(new OutputChunk(10, 20, "ten bytes!", true)),
        new TaskReply.Refused(Refusal.CONFLICT, "cannot resume: task is completed")));
    // session commands
    all.addAll(List.of(
        new SessionCommand.Create(sessionInfo(), s),
        new SessionCommand.PrepareDispatch(sessionInfo(), s),
        new SessionCommand.Get(s),
        new SessionCommand.Close(s),
        new SessionCommand.Ack(12, s),
        new SessionCommand.LocateFeed(0, s),
        new SessionCommand.ApplyReports("t1", List.of(requeuedReport(), askingReport(), fullReport())),
        new SessionCommand.ForgetTask("t1"),
        new SessionCommand.FlushReports(),
        new SessionCommand.Retell(),
        new SessionCommand.WakeStartedTasks(),
        new SessionCommand.WakesDone(),
        new SessionCommand.IdleCheck(),
        new SessionCommand.HandOff()));
    // session events
    all.addAll(List.of(
        new SessionEvent.SessionCreated(sessionInfo(), AT),
        new SessionEvent.SessionCreated(new SessionInfo("acme", "s2", "", 1, 1, null, AT), AT),
        new SessionEvent.ReportApplied("t1", fullReport(), 9, 12, List.of("t2", "t5"), AT),
        new SessionEvent.ReportApplied("t1", requeuedReport(), 0, 13, List.of(), AT),
        new SessionEvent.FeedAcked(4, AT),
        new SessionEvent.TaskForgotten("t3", AT),
        new SessionEvent.TasksForgotten(List.of("t3", "t4"), AT),
        new SessionEvent.SessionClosed(AT)));
    // session states
    all.addAll(List.of(
        new SessionState.NoSession(),
        new SessionState.OpenSession(body()),
        new SessionState.ClosedSession(body(), LATER)));
    // session replies
    Map<String, Long> counts = new LinkedHashMap<>();
    for (TaskStatus status : TaskStatus.values()) counts.put(status.wire(), (long) status.ordinal());
    all.addAll(List.of(
        new SessionReply.View(new SessionView("s1", "Main", "active", AT, 4, counts, 9, 4, context()), true),
        new SessionReply.FeedPosition("session|acme|s1", 80, 90),
        new SessionReply.Refused(Refusal.QUEUE_FULL, "session s1 has 10000 queued tasks")));
    // the feed
    all.addAll(List.of(
        new FeedEvent(9L, FeedEventType.COMPLETED, "t1", TaskStatus.COMPLETED, AT, progress(), null,
            JSON.createObjectNode().put("text", "done"), null, "Refactor", context(), 2),
        new FeedEvent(10L, FeedEventType.INPUT_REQUIRED, "t1", TaskStatus.INPUT_REQUIRED, AT, null,
            "which branch?", null, null, "Refactor", null, 1),
        new FeedEvent(11L, FeedEventType.FAILED, "t1", TaskStatus.FAILED, AT, null, null, null, error(), "", null, 1),
        new FeedEvent(null, FeedEventType.PROGRESS, "t1", TaskStatus.RUNNING, AT, progress(), null, null, null,
            "Refactor", null, 1)));
    return all;
  }

  Stream<Arguments> roundTrippingSamples() {
    return samples().stream()
        .map(sample -> Arguments.of(nameOf(sample), sample))
        .filter(arguments -> !KNOWN_NOT_ROUND_TRIPPING.containsKey((String) arguments.get()[0]));
  }

  /** A sample's name: its class, and what is special about it where that matters. */
  private static String nameOf(Object sample) {
    String name = sample.getClass().getName().replaceFirst(".*\\.", "").replaceFirst(".*\\$", "");
    if (sample instanceof SessionEvent.SessionCreated created && created.info().metadata() == null) {
      return name + " without metadata";
    }
    return name;
  }

  // ---- the tests

  @ParameterizedTest(name = "{0} round-trips through Jackson CBOR")
  @MethodSource("roundTrippingSamples")
  void sampleRoundTripsThroughTheSystemsJacksonCborSerializer(String name, Object sample) {
    Object copy = roundTrip(sample);
    assertEquals(sample, copy);
    assertEquals(sample.getClass(), copy.getClass());
  }

  @Test
  void everySerializableRecordOfTheCoreHasASample() throws Exception {
    Set<String> sampled = new TreeSet<>();
    for (Object sample : samples()) sampled.add(sample.getClass().getName());
    Set<String> missing = new TreeSet<>();
    for (Class<?> type : serializableRecordsOfTheCore()) {
      if (!sampled.contains(type.getName())) missing.add(type.getName());
    }
    assertTrue(missing.isEmpty(), "records without a serialization sample: " + missing);
    Set<String> names = new TreeSet<>();
    for (Object sample : samples()) names.add(nameOf(sample));
    for (String known : KNOWN_NOT_ROUND_TRIPPING.keySet()) {
      assertTrue(names.contains(known), known + " is listed as a known bug but has no sample");
    }
  }

  @Test
  void everySampleIsBoundToJacksonCborNotJavaSerialization() {
    Serialization serialization = serialization();
    for (Object sample : samples()) {
      Serializer serializer = serialization.findSerializerFor(sample);
      assertTrue(serializer instanceof JacksonCborSerializer,
          sample.getClass() + " is serialized by " + serializer.getClass());
    }
  }

  @Test
  void enumsAreWrittenAsTheirWireWords() throws IOException {
    JsonNode spec = cborTree(new TaskEvent.Created(data(), AT)).path("data").path("spec");
    assertEquals(Set.of("node-lost", "timeout", "exit"), textSet(spec.path("retryOn")));
    assertFalse(spec.path("notify").asBoolean(true), "the spec's notify flag is written as 'notify'");

    JsonNode feed = cborTree(new FeedEvent(10L, FeedEventType.INPUT_REQUIRED, "t1", TaskStatus.INPUT_REQUIRED,
        AT, null, "which branch?", null, null, "Refactor", null, 1));
    assertEquals("task.input_required", feed.path("type").asText());
    assertEquals("input_required", feed.path("status").asText());
    assertFalse(feed.has("progress"), "null fields of a feed event are left out");

    JsonNode paused = cborTree(new TaskState.PausedTask(core(), TaskStatus.INPUT_REQUIRED, "q", null, 0));
    assertEquals("input_required", paused.path("from").asText());
    assertEquals("node-lost", cborTree(new TaskEvent.AttemptFailed(error(), LATER, AT)).path("error").path("type").asText());
  }

  @Test
  void outputBytesSurviveAsTheyAre() {
    var copy = (TaskEvent.Completed) roundTrip(new TaskEvent.Completed(context(), tail(), AT));
    assertArrayEquals(BINARY, copy.output().bytes());
    assertEquals(1_000_000L, copy.output().start());
    assertEquals(context(), copy.result());
  }

  @Test
  void replyRefsResolveToTheSameActor() {
    var copy = (TaskCommand.Create) roundTrip(new TaskCommand.Create(data(), taskReplyTo));
    assertEquals(taskReplyTo, copy.replyTo());
    var sessionCopy = (SessionCommand.Ack) roundTrip(new SessionCommand.Ack(3, sessionReplyTo));
    assertEquals(sessionReplyTo, sessionCopy.replyTo());
  }

  @Test
  void instantsKeepTheirNanoseconds() {
    var copy = (TaskEvent.Started) roundTrip(new TaskEvent.Started(1, AT));
    assertEquals(AT.getNano(), copy.at().getNano());
  }

  // ---- helpers

  private Serialization serialization() {
    return SerializationExtension.get(Adapter.toClassic(testKit.system()));
  }

  private Object roundTrip(Object sample) {
    Serialization serialization = serialization();
    Serializer serializer = serialization.findSerializerFor(sample);
    byte[] bytes = serialization.serialize(sample).get();
    String manifest = Serializers.manifestFor(serializer, sample);
    return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
  }

  private JsonNode cborTree(Object sample) throws IOException {
    byte[] bytes = serialization().serialize(sample).get();
    return CBOR.readTree(bytes);
  }

  private static Set<String> textSet(JsonNode array) {
    Set<String> values = new TreeSet<>();
    array.forEach(node -> values.add(node.asText()));
    return values;
  }

  /** The record classes of the core's main code that implement {@link JsonSerializable}. */
  private static List<Class<?>> serializableRecordsOfTheCore() throws URISyntaxException, IOException {
    Path classes = Path.of(JsonSerializable.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<Class<?>> records = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
        String name = classes.relativize(file).toString().replace(java.io.File.separatorChar, '.');
        name = name.substring(0, name.length() - ".class".length());
        Class<?> type;
        try {
          type = Class.forName(name, false, SerializationTest.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
          throw new UncheckedIOException(new IOException("cannot load " + name, e));
        }
        if (type.isRecord() && JsonSerializable.class.isAssignableFrom(type)) records.add(type);
      }
    }
    assertFalse(records.isEmpty(), "no serializable records found under " + classes);
    return records;
  }
}
