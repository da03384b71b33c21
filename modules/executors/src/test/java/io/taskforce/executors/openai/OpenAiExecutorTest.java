package io.taskforce.executors.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import io.taskforce.Taskforce;
import io.taskforce.api.ErrorType;
import io.taskforce.api.FeedEvent;
import io.taskforce.api.FeedEventType;
import io.taskforce.api.InvalidRequestException;
import io.taskforce.api.SessionSpec;
import io.taskforce.api.TaskSpec;
import io.taskforce.api.TaskStatus;
import io.taskforce.api.TaskView;
import io.taskforce.executors.BuiltInExecutors;
import io.taskforce.executors.openai.FakeOpenAiServer.CloseAfter;
import io.taskforce.executors.openai.FakeOpenAiServer.CutAfterFinish;
import io.taskforce.executors.openai.FakeOpenAiServer.NoHeaders;
import io.taskforce.executors.openai.FakeOpenAiServer.Request;
import io.taskforce.executors.openai.FakeOpenAiServer.Script;
import io.taskforce.executors.openai.FakeOpenAiServer.StallAfter;
import io.taskforce.executors.openai.FakeOpenAiServer.Status;
import io.taskforce.spi.ExecutorRegistry;
import io.taskforce.testing.TestConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.pekko.actor.testkit.typed.FishingOutcome;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@code openai} executor through the facade, against {@link FakeOpenAiServer}, a real local
 * HTTP server that streams as OpenAI-compatible endpoints do. One node and one server for the
 * class; each test has a session and a model name (the server's script) of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiExecutorTest {
  private static final String TENANT = "default";
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The environment variable the default endpoint takes its key from: it exists in every JVM. */
  private static final String KEY_ENV = "PATH";
  /** A variable that is not set: the endpoint "second" sends no key. */
  private static final String UNSET_ENV = "TASKFORCE_OPENAI_TEST_UNSET_KEY";

  private FakeOpenAiServer server;
  private ActorSystem<Void> system;
  private ActorTestKit testKit;
  private BuiltInExecutors builtIns;
  private Taskforce tf;
  private String key;

  @BeforeAll
  void start() throws Exception {
    key = System.getenv(KEY_ENV);
    assertNotNull(key, KEY_ENV + " must be set in the test JVM");
    assertTrue(key.length() >= 8, "the key variable's value must be distinctive");
    assertNull(System.getenv(UNSET_ENV));
    server = FakeOpenAiServer.start();
    Config config = TestConfigs.h2(TestConfigs.freshDataDir(), String.join("\n",
        "taskforce.executors.process.enabled = off",
        "taskforce.executors.openai.max-retries = 1",
        "taskforce.executors.openai.max-retry-after = 5s",
        "taskforce.executors.openai.endpoints = [",
        "  {name = \"fake\", base-url = \"" + server.baseUrl() + "\", api-key-env = \"" + KEY_ENV + "\"},",
        "  {name = \"second\", base-url = \"" + server.baseUrl() + "/\", api-key-env = \"" + UNSET_ENV + "\"}",
        "]"));
    system = ActorSystem.create(Behaviors.empty(), "openai-test", config);
    testKit = ActorTestKit.create(system);
    ExecutorRegistry registry = new ExecutorRegistry();
    builtIns = BuiltInExecutors.register(registry, config);
    assertEquals(List.of("openai"), List.copyOf(registry.names()));
    tf = Taskforce.builder(system).executors(registry).start().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  void stop() throws Exception {
    if (system != null) ActorTestKit.shutdown(system, Duration.ofSeconds(30));
    if (builtIns != null) builtIns.close();
    if (server != null) server.close();
  }

  // ---- streaming

  @Test
  void streamsTheTextAsProgressKeepsItAsOutputAndAnswersTextFinishReasonAndUsage() {
    String model = unique("stream");
    List<String> tokens = IntStream.range(0, 60).mapToObj(i -> String.format("word%02d ", i)).toList();
    String full = String.join("", tokens);
    assertTrue(full.length() > 300, "long enough for the 200-char tail to matter");
    Script script = server.script(model).tokens(tokens).delay(Duration.ofMillis(5)).usage(12, 60);

    String session = unique("s");
    TestProbe<FeedEvent> feed = subscribe(session);
    ObjectNode input = JSON.createObjectNode().put("model", model).put("temperature", 0.25).put("maxTokens", 77);
    input.putArray("messages")
        .add(JSON.createObjectNode().put("role", "system").put("content", "You are terse."))
        .add(JSON.createObjectNode().put("role", "user").put("content", "Count words."));
    TaskView task = dispatch(session, input);

    List<FeedEvent> events = untilFinal(feed, task.id());
    TaskView done = awaitStatus(task.id(), TaskStatus.COMPLETED);

    // The result.
    assertEquals(full, done.result().path("text").asText());
    assertEquals("stop", done.result().path("finishReason").asText());
    assertEquals(72, done.result().path("usage").path("total_tokens").asInt(), () -> "result " + done.result());
    assertEquals(TaskStatus.COMPLETED, events.get(events.size() - 1).status());

    // Progress: the text so far, its last 200 characters, growing to the end.
    List<String> progress = progressMessages(events, task.id());
    assertFalse(progress.isEmpty(), "task.progress events on the session's feed");
    for (String message : progress) {
      assertTrue(isTailOfAPrefix(full, message), () -> "a progress message that is not the text so far: '" + message + "'");
      assertTrue(message.length() <= 200, () -> "progress longer than 200 chars: " + message.length());
    }
    assertEquals(tail200(full), progress.get(progress.size() - 1), "the last progress shows the end of the text");
    assertEquals(tail200(full), done.progress().message(), "the task's progress shows the end of the text");

    // The output: the whole text.
    assertEquals(full, await(tf.output(TENANT, task.id(), 0)).data());

    // The request: the configured model, the messages as given, streamed, with the options.
    List<Request> requests = script.requests();
    assertEquals(1, requests.size());
    Request request = requests.get(0);
    assertEquals("POST", request.method());
    assertEquals("/v1/chat/completions", request.path());
    assertEquals("Bearer " + key, request.header("Authorization"));
    assertTrue(request.header("Content-Type").startsWith("application/json"));
    assertEquals(model, request.body().path("model").asText());
    assertTrue(request.body().path("stream").asBoolean());
    assertEquals(List.of(List.of("system", "You are terse."), List.of("user", "Count words.")), request.messages());
    assertEquals(0.25, request.body().path("temperature").asDouble());
    assertEquals(77, request.body().path("max_tokens").asInt());
  }

  @Test
  void aPromptBecomesOneUserMessageAndTheFinishReasonIsPassedOn() {
    String model = unique("prompt");
    Script script = server.script(model).tokens("Para", "graph").finishReason("length");
    TaskView task = dispatch(unique("s"), JSON.createObjectNode().put("model", model).put("prompt", "Write a paragraph."));
    TaskView done = awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals("Paragraph", done.result().path("text").asText());
    assertEquals("length", done.result().path("finishReason").asText());
    assertFalse(done.result().has("usage"), "no usage chunk was sent: " + done.result());
    Request request = script.requests().get(0);
    assertEquals(List.of(List.of("user", "Write a paragraph.")), request.messages());
    assertFalse(request.body().has("temperature"));
    assertFalse(request.body().has("max_tokens"));
  }

  @Test
  void aTaskNamesAnEndpointByName() {
    String model = unique("second");
    Script script = server.script(model).tokens("via ", "second");
    TaskView task = dispatch(unique("s"),
        JSON.createObjectNode().put("endpoint", "second").put("model", model).put("prompt", "hi"));
    TaskView done = awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals("via second", done.result().path("text").asText());
    Request request = script.requests().get(0);
    assertEquals("/v1/chat/completions", request.path(), "a trailing slash in base-url is dropped");
    assertNull(request.header("Authorization"), "an endpoint whose key variable is unset sends no key");
  }

  // ---- pause and resume

  @Test
  void pauseStopsReadingTheStreamAndResumeReadsOnToTheEnd() {
    String model = unique("pause");
    List<String> tokens = IntStream.range(0, 80).mapToObj(i -> "p" + i + " ").toList();
    String full = String.join("", tokens);
    Script script = server.script(model).tokens(tokens).delay(Duration.ofMillis(40));

    String session = unique("s");
    TestProbe<FeedEvent> feed = subscribe(session);
    TaskView task = dispatch(session, JSON.createObjectNode().put("model", model).put("prompt", "go"));
    int[] seen = {0};
    feed.fishForMessage(DEADLINE, "three progress events", e ->
        e.type() == FeedEventType.PROGRESS && ++seen[0] >= 3 ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());

    assertEquals(TaskStatus.PAUSED, await(tf.pause(TENANT, task.id())).status());
    // A line already being read when the pause arrived may still land; then nothing more.
    int inFlight = drain(feed, Duration.ofMillis(300));
    assertTrue(inFlight <= 2, "progress after the pause took effect: " + inFlight);
    int sentBefore = script.tokensSent();
    feed.expectNoMessage(Duration.ofSeconds(1));
    assertTrue(script.tokensSent() > sentBefore + 5,
        "the server kept writing while the task was paused (so the silence is the executor's doing)");
    assertTrue(script.tokensSent() < tokens.size(), "the whole stream was sent already; make it longer");

    assertEquals(TaskStatus.RUNNING, await(tf.resume(TENANT, task.id())).status());
    List<FeedEvent> events = untilFinal(feed, task.id());
    assertFalse(progressMessages(events, task.id()).isEmpty(), "progress again after the resume");
    TaskView done = awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals(full, done.result().path("text").asText());
    assertEquals(1, script.requests().size(), "one connection, held while paused");
  }

  // ---- a connection closed mid-stream

  @Test
  void aConnectionClosedMidStreamIsContinuedWithTheTextSoFarAsAnAssistantPrefix() {
    String model = unique("cut");
    List<String> tokens = List.of("The ", "quick ", "brown ", "fox ", "jumps ", "over ", "the ", "lazy ", "dog", ".");
    String full = String.join("", tokens);
    Script script = server.script(model).tokens(tokens).delay(Duration.ofMillis(20)).once(new CloseAfter(4));

    TaskView task = dispatch(unique("s"), JSON.createObjectNode().put("model", model).put("prompt", "Say it."));
    TaskView done = awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals(full, done.result().path("text").asText());
    assertEquals(full, await(tf.output(TENANT, task.id(), 0)).data(), "no token twice in the output");

    List<Request> requests = script.requests();
    assertEquals(2, requests.size());
    assertEquals(List.of(List.of("user", "Say it.")), requests.get(0).messages());
    assertEquals(List.of(List.of("user", "Say it."), List.of("assistant", "The quick brown fox ")), requests.get(1).messages(),
        "the continuation ends with the text so far as the assistant's");
    assertEquals(model, requests.get(1).body().path("model").asText());
    assertEquals("Bearer " + key, requests.get(1).header("Authorization"));
  }

  @Test
  void aConnectionCutAfterTheFinishReasonIsAFinishedAnswerNotOneToContinue() throws Exception {
    String model = unique("cutfinish");
    Script script = server.script(model).tokens("All ", "said.")
        .once(new CutAfterFinish(Duration.ofMillis(300)));
    TaskView task = dispatch(unique("s"), JSON.createObjectNode().put("model", model).put("prompt", "go"));
    TaskView done = awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals("All said.", done.result().path("text").asText());
    assertEquals("stop", done.result().path("finishReason").asText());
    assertTrue(script.awaitCut(DEADLINE));
    assertEquals(1, script.requests().size(),
        "the answer had ended (finish_reason \"stop\"): no continuation may be asked for, got "
            + script.requests().stream().map(Request::messages).toList());
  }

  @Test
  void anEndpointThatClosesTheConnectionWhilePausedIsContinuedAfterTheResume() throws Exception {
    String model = unique("pausecut");
    List<String> tokens = IntStream.range(0, 12).mapToObj(i -> "c" + i + " ").toList();
    String full = String.join("", tokens);
    Script script = server.script(model).tokens(tokens).delay(Duration.ofMillis(150)).once(new CloseAfter(6));

    String session = unique("s");
    TestProbe<FeedEvent> feed = subscribe(session);
    TaskView task = dispatch(session, JSON.createObjectNode().put("model", model).put("prompt", "go"));
    feed.fishForMessage(DEADLINE, "a progress event", e ->
        e.type() == FeedEventType.PROGRESS ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    await(tf.pause(TENANT, task.id()));
    assertTrue(script.awaitCut(DEADLINE), "the server closed the connection");
    assertEquals(TaskStatus.PAUSED, await(tf.task(TENANT, task.id())).status());
    assertEquals(1, script.requests().size(), "nothing is requested while paused");

    await(tf.resume(TENANT, task.id()));
    TaskView done = awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals(full, done.result().path("text").asText());
    List<Request> requests = script.requests();
    assertEquals(2, requests.size());
    List<String> last = requests.get(1).messages().get(requests.get(1).messages().size() - 1);
    assertEquals("assistant", last.get(0));
    assertTrue(full.startsWith(last.get(1)) && !last.get(1).isEmpty(), "the prefix is the text so far: " + last);
  }

  // ---- cancel

  @Test
  void cancelWhileStreamingClosesTheConnection() throws Exception {
    String model = unique("cancel");
    Script script = server.script(model)
        .tokens(IntStream.range(0, 400).mapToObj(i -> "x" + i + " ").toList())
        .delay(Duration.ofMillis(25));
    String session = unique("s");
    TestProbe<FeedEvent> feed = subscribe(session);
    TaskView task = dispatch(session, JSON.createObjectNode().put("model", model).put("prompt", "go"));
    feed.fishForMessage(DEADLINE, "a progress event", e ->
        e.type() == FeedEventType.PROGRESS ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());

    assertEquals(TaskStatus.CANCELLED, await(tf.cancel(TENANT, task.id())).status());
    assertTrue(script.awaitClientGone(Duration.ofSeconds(5)), "the server saw the client go away");
    assertEquals(0, script.responsesCompleted());
    assertEquals(1, script.requests().size(), "no new request after the cancel");
    assertEquals(TaskStatus.CANCELLED, awaitStatus(task.id(), TaskStatus.CANCELLED).status());
  }

  @Test
  void cancelWhileTheStreamIsSilentClosesTheConnection() throws Exception {
    String model = unique("cancelsilent");
    Script script = server.script(model).tokens("a", "b", "c", "d").once(new StallAfter(2));
    String session = unique("s");
    TestProbe<FeedEvent> feed = subscribe(session);
    TaskView task = dispatch(session, JSON.createObjectNode().put("model", model).put("prompt", "go"));
    feed.fishForMessage(DEADLINE, "the progress 'ab'", e ->
        e.type() == FeedEventType.PROGRESS && "ab".equals(e.progress().message())
            ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());

    assertEquals(TaskStatus.CANCELLED, await(tf.cancel(TENANT, task.id())).status());
    assertTrue(script.awaitClientGone(Duration.ofSeconds(5)),
        "the server saw the client go away although the executor was blocked reading");
    assertEquals(1, script.requests().size());
  }

  @Test
  void cancelWhilePausedClosesTheConnection() throws Exception {
    String model = unique("cancelpaused");
    Script script = server.script(model)
        .tokens(IntStream.range(0, 400).mapToObj(i -> "y" + i + " ").toList())
        .delay(Duration.ofMillis(25));
    String session = unique("s");
    TestProbe<FeedEvent> feed = subscribe(session);
    TaskView task = dispatch(session, JSON.createObjectNode().put("model", model).put("prompt", "go"));
    feed.fishForMessage(DEADLINE, "a progress event", e ->
        e.type() == FeedEventType.PROGRESS ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    assertEquals(TaskStatus.PAUSED, await(tf.pause(TENANT, task.id())).status());

    assertEquals(TaskStatus.CANCELLED, await(tf.cancel(TENANT, task.id())).status());
    assertTrue(script.awaitClientGone(Duration.ofSeconds(5)), "the server saw the client go away");
    assertEquals(1, script.requests().size());
  }

  @Test
  void cancelBeforeTheEndpointAnswersClosesTheConnection() throws Exception {
    String model = unique("cancelwaiting");
    Script script = server.script(model).once(new NoHeaders());
    TaskView task = dispatch(unique("s"), JSON.createObjectNode().put("model", model).put("prompt", "go"));
    eventually(() -> assertEquals(1, script.requests().size(), "the request reached the server"));

    assertEquals(TaskStatus.CANCELLED, await(tf.cancel(TENANT, task.id())).status());
    assertTrue(script.awaitClientGone(Duration.ofSeconds(5)),
        "the server saw the client go away although no response header had been sent");
    assertEquals(1, script.requests().size());
  }

  @Test
  void cancelWhileWaitingOutARetryAfterEndsTheWait() throws Exception {
    String model = unique("cancelretry");
    Script script = server.script(model)
        .once(new Status(429, Map.of("Retry-After", "2"), "{\"error\":{\"message\":\"slow down\"}}"));
    String session = unique("s");
    TestProbe<FeedEvent> feed = subscribe(session);
    TaskView task = dispatch(session, JSON.createObjectNode().put("model", model).put("prompt", "go"));
    eventually(() -> assertEquals(1, script.requests().size()));
    assertEquals(TaskStatus.CANCELLED, await(tf.cancel(TENANT, task.id())).status());
    untilFinal(feed, task.id());
    // Past the Retry-After: a wait that was not ended would request again now.
    feed.expectNoMessage(Duration.ofMillis(2500));
    assertEquals(1, script.requests().size(), "no request after the cancel");
  }

  // ---- HTTP errors

  @Test
  void unauthorizedFailsNamingTheStatusAndTheKeyVariableButNotTheKey() {
    String model = unique("401");
    Script script = server.script(model).always(401,
        "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}");
    TaskView task = dispatch(unique("s"), JSON.createObjectNode().put("model", model).put("prompt", "go"));
    TaskView failed = awaitStatus(task.id(), TaskStatus.FAILED);
    assertEquals(ErrorType.EXECUTOR, failed.error().type());
    String message = failed.error().message();
    assertTrue(message.contains("401"), message);
    assertTrue(message.contains(KEY_ENV), "names the key's variable: " + message);
    assertFalse(message.contains(key), "the key itself: " + message);
    assertTrue(message.contains("Incorrect API key provided."), "the endpoint's own explanation: " + message);
    assertEquals(1, script.requests().size(), "a 401 is not retried");
    assertEquals("Bearer " + key, script.requests().get(0).header("Authorization"));
  }

  @Test
  void anErrorBodyThatEchoesTheKeyDoesNotLeakItIntoTheTask() {
    String model = unique("401echo");
    Script script = server.script(model).always(401,
        "{\"error\":{\"message\":\"Incorrect API key provided: " + key.replace("\\", "\\\\").replace("\"", "\\\"")
            + "\",\"code\":\"invalid_api_key\"}}");
    String session = unique("s");
    TestProbe<FeedEvent> feed = subscribe(session);
    TaskView task = dispatch(session, JSON.createObjectNode().put("model", model).put("prompt", "go"));
    List<FeedEvent> events = untilFinal(feed, task.id());
    TaskView failed = awaitStatus(task.id(), TaskStatus.FAILED);
    assertEquals(1, script.requests().size());
    assertFalse(failed.error().message().contains(key), "the key leaked into the error: " + failed.error().message());
    events.forEach(e -> assertFalse(e.toString().contains(key), "the key leaked into a feed event: " + e));
  }

  @Test
  void tooManyRequestsWithRetryAfterIsWaitedOutWithinTheAttempt() {
    String model = unique("429");
    Script script = server.script(model).tokens("after ", "the ", "wait")
        .once(new Status(429, Map.of("Retry-After", "1"), "{\"error\":{\"message\":\"Rate limit reached\"}}"));
    TaskView task = dispatch(unique("s"), JSON.createObjectNode().put("model", model).put("prompt", "go"));
    TaskView done = awaitStatus(task.id(), TaskStatus.COMPLETED);
    assertEquals("after the wait", done.result().path("text").asText());
    assertEquals(1, done.attempt(), "retried within the attempt");
    List<Request> requests = script.requests();
    assertEquals(2, requests.size());
    Duration gap = Duration.between(requests.get(0).at(), requests.get(1).at());
    assertTrue(gap.compareTo(Duration.ofMillis(900)) >= 0, "Retry-After: 1 was honoured, gap " + gap);
  }

  @Test
  void aServerErrorThatPersistsFailsAfterTheConfiguredRetries() {
    String model = unique("500");
    Script script = server.script(model).always(500, "{\"error\":{\"message\":\"the model crashed\"}}");
    TaskView task = dispatch(unique("s"), JSON.createObjectNode().put("model", model).put("prompt", "go"));
    TaskView failed = awaitStatus(task.id(), TaskStatus.FAILED);
    assertEquals(ErrorType.EXECUTOR, failed.error().type());
    assertTrue(failed.error().message().contains("500"), failed.error().message());
    assertTrue(failed.error().message().contains("the model crashed"), failed.error().message());
    assertEquals(2, script.requests().size(), "one request and max-retries = 1 retry");
    assertEquals(1, failed.attempt());
  }

  // ---- refused at dispatch

  @Test
  void anUnknownEndpointOrAMissingModelOrAnAddressIsRefusedAtDispatch() {
    String model = unique("refused");
    Script script = server.script(model);
    String session = unique("s");

    InvalidRequestException unknownEndpoint = refused(session,
        JSON.createObjectNode().put("endpoint", "nowhere").put("model", model).put("prompt", "go"));
    assertEquals("input.endpoint", unknownEndpoint.field());
    assertTrue(unknownEndpoint.getMessage().contains("fake"), "lists the configured ones: " + unknownEndpoint.getMessage());

    InvalidRequestException urlAsEndpoint = refused(session,
        JSON.createObjectNode().put("endpoint", server.baseUrl()).put("model", model).put("prompt", "go"));
    assertEquals("input.endpoint", urlAsEndpoint.field());

    InvalidRequestException missingModel = refused(session, JSON.createObjectNode().put("prompt", "go"));
    assertEquals("input.model", missingModel.field());

    InvalidRequestException baseUrl = refused(session,
        JSON.createObjectNode().put("baseUrl", "http://169.254.169.254/v1").put("model", model).put("prompt", "go"));
    assertEquals("input.baseUrl", baseUrl.field());
    assertTrue(baseUrl.getMessage().contains("baseUrl"), baseUrl.getMessage());

    InvalidRequestException both = refused(session, JSON.createObjectNode().put("model", model).put("prompt", "go")
        .set("messages", JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user").put("content", "x"))));
    assertNotNull(both.field());

    InvalidRequestException neither = refused(session, JSON.createObjectNode().put("model", model));
    assertNotNull(neither.field());

    assertEquals(List.of(), script.requests(), "nothing reached the endpoint");
  }

  // ---- the key stays secret

  @Test
  void theKeyNeverAppearsInTheTaskTheFeedOrTheOutput() {
    String okModel = unique("secret-ok");
    String failModel = unique("secret-401");
    server.script(okModel).tokens("nothing ", "secret ", "here").usage(3, 3);
    server.script(failModel).always(401, "{\"error\":{\"message\":\"Invalid authentication\"}}");
    String session = unique("s");
    TestProbe<FeedEvent> feed = subscribe(session);

    TaskView ok = dispatch(session, JSON.createObjectNode().put("model", okModel).put("prompt", "go"));
    List<FeedEvent> events = new ArrayList<>(untilFinal(feed, ok.id()));
    TaskView bad = dispatch(session, JSON.createObjectNode().put("model", failModel).put("prompt", "go"));
    events.addAll(untilFinal(feed, bad.id()));

    TaskView okView = awaitStatus(ok.id(), TaskStatus.COMPLETED);
    TaskView badView = awaitStatus(bad.id(), TaskStatus.FAILED);
    assertEquals("nothing secret here", okView.result().path("text").asText());
    for (Object shown : List.of(okView, badView, await(tf.output(TENANT, ok.id(), 0)), await(tf.output(TENANT, bad.id(), 0)))) {
      assertFalse(shown.toString().contains(key), () -> "the key appears in " + shown);
    }
    assertTrue(events.size() >= 6, "events " + events);
    events.forEach(e -> assertFalse(e.toString().contains(key), () -> "the key appears in the event " + e));
    await(tf.readFeed(TENANT, session, 0, 100))
        .forEach(e -> assertFalse(e.toString().contains(key), () -> "the key appears in the stored event " + e));
  }

  // ---------------------------------------------------------------------------------------------

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private TaskView dispatch(String session, JsonNode input) {
    return await(tf.dispatch(TENANT, session, TaskSpec.of("openai", input))).task();
  }

  private InvalidRequestException refused(String session, JsonNode input) {
    Throwable failure = failure(tf.dispatch(TENANT, session, TaskSpec.of("openai", input)));
    return assertInstanceOf(InvalidRequestException.class, failure, () -> "refused with " + failure);
  }

  /** Creates the session (a feed of an unknown session is refused), then subscribes to its feed. */
  private TestProbe<FeedEvent> subscribe(String session) {
    await(tf.createSession(TENANT, new SessionSpec(session, null, null, null)));
    TestProbe<FeedEvent> probe = testKit.createTestProbe(FeedEvent.class);
    tf.subscribe(TENANT, session, 0, probe.ref()::tell);
    return probe;
  }

  /** The feed events up to the final one of {@code taskId} (included). */
  private static List<FeedEvent> untilFinal(TestProbe<FeedEvent> feed, String taskId) {
    return feed.fishForMessage(DEADLINE, "the final event of " + taskId, e -> {
      FishingOutcome outcome = e.taskId().equals(taskId) && e.type().isFinal()
          ? FishingOutcomes.complete() : FishingOutcomes.continueAndCollect();
      return outcome;
    });
  }

  /** Receives until nothing came for {@code quiet}; answers how many progress events came. */
  private static int drain(TestProbe<FeedEvent> feed, Duration quiet) {
    int progress = 0;
    for (int i = 0; i < 100; i++) {
      FeedEvent e;
      try {
        e = feed.receiveMessage(quiet);
      } catch (AssertionError timeout) {
        return progress;
      }
      if (e.type() == FeedEventType.PROGRESS) progress++;
    }
    throw new AssertionError("the feed never went quiet");
  }

  private static List<String> progressMessages(List<FeedEvent> events, String taskId) {
    return events.stream()
        .filter(e -> e.type() == FeedEventType.PROGRESS && e.taskId().equals(taskId))
        .map(e -> e.progress().message())
        .toList();
  }

  private static String tail200(String text) {
    return text.length() <= 200 ? text : text.substring(text.length() - 200);
  }

  /** Whether {@code message} is the last (up to) 200 characters of some prefix of {@code full}. */
  private static boolean isTailOfAPrefix(String full, String message) {
    if (message.length() < 200) return full.startsWith(message);
    return message.length() == 200 && full.contains(message);
  }

  private TaskView awaitStatus(String taskId, TaskStatus status) {
    TestProbe<Object> probe = testKit.createTestProbe();
    return probe.awaitAssert(DEADLINE, Duration.ofMillis(50), () -> {
      TaskView task = await(tf.task(TENANT, taskId));
      assertEquals(status, task.status(), () -> "task " + taskId + ": " + task);
      return task;
    });
  }

  private void eventually(Runnable check) {
    testKit.createTestProbe().awaitAssert(DEADLINE, Duration.ofMillis(50), () -> {
      check.run();
      return null;
    });
  }

  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("no answer within " + DEADLINE, e);
    }
  }

  private static Throwable failure(CompletionStage<?> stage) {
    try {
      stage.toCompletableFuture().get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected a failure");
  }
}
