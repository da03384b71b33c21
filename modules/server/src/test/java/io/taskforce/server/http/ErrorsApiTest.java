package io.taskforce.server.http;

import static io.taskforce.server.http.ProblemAssert.assertBadRequest;
import static io.taskforce.server.http.ProblemAssert.assertProblem;
import static io.taskforce.server.http.TestServer.OTHER_TOKEN;
import static io.taskforce.server.http.TestServer.TOKEN;
import static io.taskforce.server.http.TestServer.bash;
import static io.taskforce.server.http.TestServer.uid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.taskforce.http.Operation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every error answer: problem+json with the status of API.md's table, and hostile input. */
class ErrorsApiTest {
  private static final int MIB = 1024 * 1024;
  private static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) server.close();
  }

  private static String path(Operation operation) {
    return operation.template().replace("{sid}", uid("s")).replace("{tid}", uid("t"));
  }

  // ---- 400

  @Test
  void malformedJsonAnswers400() {
    assertBadRequest(server.post("/v1/sessions/" + uid("s") + "/tasks", "{\"executor\": \"process\","), null);
    assertBadRequest(server.post("/v1/sessions/" + uid("s") + "/tasks", "executor=process"), null);
    assertBadRequest(server.post("/v1/sessions", "{'id': 'single-quotes'}"), null);
    assertBadRequest(server.post("/v1/sessions/" + uid("s") + "/tasks",
        bash(null, "true") + " {\"trailing\": true}"), null);
  }

  @Test
  void aWrongTypedFieldAnswers400NamingIt() {
    String sid = uid("s");
    assertBadRequest(server.dispatch(sid, bash(null, "true").put("priority", "high")), "priority");
    assertBadRequest(server.dispatch(sid, bash(null, "true").put("maxAttempts", "3")), "maxAttempts");
    assertBadRequest(server.dispatch(sid, bash(null, "true").put("title", 5)), "title");
    assertBadRequest(server.dispatch(sid, bash(null, "true").put("notify", "yes")), "notify");
    assertBadRequest(server.dispatch(sid, bash(null, "true").put("timeoutSeconds", 1.5)), "timeoutSeconds");
    assertBadRequest(server.dispatch(sid, bash(null, "true").put("retryOn", "node-lost")), "retryOn");
    var labels = bash(null, "true");
    labels.putObject("labels").put("area", 1);
    assertBadRequest(server.dispatch(sid, labels), "labels.area");
    assertBadRequest(server.post("/v1/sessions/" + sid + "/events/ack", "{\"upTo\":\"3\"}"), "upTo");
    assertBadRequest(server.post("/v1/tasks/" + uid("t") + "/input", "{\"text\":true}"), "text");
  }

  @Test
  void aMissingFieldOrBodyAnswers400() {
    assertBadRequest(server.post("/v1/sessions/" + uid("s") + "/tasks", "{}"), "executor");
    assertBadRequest(server.post("/v1/sessions/" + uid("s") + "/tasks", null), null);
    assertBadRequest(server.post("/v1/sessions/" + uid("s") + "/tasks", "null"), null);
    assertBadRequest(server.post("/v1/sessions/" + uid("s") + "/tasks", "[]"), null);
    assertBadRequest(server.post("/v1/tasks/" + uid("t") + "/input", "{}"), "text");
    assertBadRequest(server.post("/v1/sessions/" + uid("s") + "/events/ack", "{}"), "upTo");
  }

  @Test
  void anUnknownExecutorAnswers400() {
    var spec = bash(null, "true").put("executor", "teleport");
    assertBadRequest(server.dispatch(uid("s"), spec), "executor");
  }

  @Test
  void inputTheExecutorRejectsAnswers400NamingTheField() {
    var stringCommand = TestServer.JSON.createObjectNode().put("executor", "process");
    stringCommand.putObject("input").put("command", "ls");
    assertBadRequest(server.dispatch(uid("s"), stringCommand), "input.command");

    var emptyCommand = TestServer.JSON.createObjectNode().put("executor", "process");
    emptyCommand.putObject("input").putArray("command");
    assertBadRequest(server.dispatch(uid("s"), emptyCommand), "input.command");

    var unknownInput = bash(null, "true");
    ((com.fasterxml.jackson.databind.node.ObjectNode) unknownInput.get("input")).put("shell", true);
    assertBadRequest(server.dispatch(uid("s"), unknownInput), "input.shell");
  }

  @Test
  void unknownFieldsAnswer400NamingThem() {
    String sid = uid("s");
    assertBadRequest(server.dispatch(sid, bash(null, "true").put("colour", "red")), "colour");
    assertBadRequest(server.post("/v1/sessions", "{\"colour\":\"red\"}"), "colour");
    assertBadRequest(server.post("/v1/tasks/" + uid("t") + "/input", "{\"text\":\"x\",\"colour\":\"red\"}"), null);
    server.createSession("{\"id\":\"" + sid + "\"}", TOKEN);
    assertBadRequest(server.post("/v1/sessions/" + sid + "/events/ack", "{\"upTo\":0,\"colour\":\"red\"}"), null);
  }

  // ---- 401, 403, 404, 405

  @Test
  void everyRouteAnswers401WithWwwAuthenticateWithoutAValidToken() {
    for (Operation operation : server.operations()) {
      String path = path(operation);
      String body = operation.method().equals("POST") ? "{}" : null;
      for (String token : Arrays.asList(null, "not-a-token-of-this-server")) {
        var response = server.call(operation.method(), path, body, token);
        assertProblem(response, 401, "unauthorized");
        assertTrue(response.header("WWW-Authenticate").orElse("").startsWith("Bearer"),
            () -> operation + ": " + response.headers());
      }
      var basic = server.send(server.request(path, null).header("Authorization", "Basic dXNlcjpwYXNz")
          .method(operation.method(), HttpRequest.BodyPublishers.noBody()));
      assertProblem(basic, 401, "unauthorized");
    }
  }

  @Test
  void aTenantNotAllowedToUseProcessGets403() {
    var response = server.dispatch(uid("s"), bash(uid("t"), "true"), OTHER_TOKEN);

    assertProblem(response, 403, "forbidden");
  }

  @Test
  void unknownPathsAndMethodsAnswerProblems() {
    assertProblem(server.get("/v1/nothing-here"), 404, "no-route");
    var wrongMethod = server.call("PUT", "/v1/tasks/" + uid("t"), "{}", TOKEN);
    assertProblem(wrongMethod, 405, "method-not-allowed");
    assertEquals("GET", wrongMethod.header("Allow").orElse(""));
  }

  // ---- size limits

  @Test
  void aBodyOverOneMebibyteAnswers413() {
    byte[] twoMib = new byte[2 * MIB];
    Arrays.fill(twoMib, (byte) ' ');
    assertProblem(server.postBytes("/v1/sessions/" + uid("s") + "/tasks", twoMib, TOKEN), 413, "payload-too-large");

    byte[] justOver = paddedSpec(MIB + 1);
    assertProblem(server.postBytes("/v1/sessions/" + uid("s") + "/tasks", justOver, TOKEN), 413, "payload-too-large");
  }

  @Test
  void aChunkedBodyOverTheLimitAnswers413() {
    byte[] twoMib = paddedSpec(2 * MIB);
    var chunked = server.send(server.request("/v1/sessions/" + uid("s") + "/tasks", TOKEN)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(twoMib))));

    assertProblem(chunked, 413, "payload-too-large");
  }

  @Test
  void aBodyUnderTheLimitIsAccepted() {
    var response = server.postBytes("/v1/sessions/" + uid("s") + "/tasks", paddedSpec(MIB - 1024), TOKEN);

    assertEquals(202, response.status(), response::toString);
  }

  @Test
  void aVeryLongUriAnswers414() {
    var response = server.get("/v1/tasks/" + "a".repeat(20_000));

    ProblemAssert.assertProblem(response, 414, "uri-too-long");
  }

  /** A valid TaskSpec padded with whitespace to exactly {@code size} bytes. */
  private static byte[] paddedSpec(int size) {
    byte[] spec = bash(null, "true").toString().getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[size];
    Arrays.fill(body, (byte) ' ');
    System.arraycopy(spec, 0, body, 0, spec.length);
    return body;
  }

  // ---- hostile input

  @Test
  void tenThousandDeepNestingAnswers400Quickly() {
    for (String open : List.of("[", "{\"a\":")) {
      String close = open.equals("[") ? "]" : "}";
      String deep = open.repeat(10_000) + "1" + close.repeat(10_000);
      long start = System.nanoTime();
      var asContext = server.post("/v1/sessions/" + uid("s") + "/tasks",
          "{\"executor\":\"process\",\"input\":{\"command\":[\"true\"]},\"context\":" + deep + "}");
      var asBody = server.post("/v1/sessions/" + uid("s") + "/tasks", deep);
      var asSessionMetadata = server.post("/v1/sessions", "{\"metadata\":" + deep + "}");
      var asAck = server.post("/v1/sessions/" + uid("s") + "/events/ack", "{\"upTo\":" + deep + "}");
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertBadRequest(asContext, null);
      assertBadRequest(asBody, null);
      assertBadRequest(asSessionMetadata, null);
      assertBadRequest(asAck, null);
      assertTrue(millis < 5_000, "four deep bodies took " + millis + " ms");
    }
  }

  @Test
  void invalidUtf8Answers400() {
    assertInvalidUtf8Refused(List.of(
        new byte[] {(byte) 0xff, (byte) 0xfe},
        new byte[] {(byte) 0x80},
        new byte[] {(byte) 0xe2, (byte) 0x82},
        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}));
  }

  /** Overlong forms ("/" as C0 AF or E0 80 AF) and code points above U+10FFFF are not UTF-8 either. */
  @Test
  void overlongAndOutOfRangeUtf8Answers400() {
    assertInvalidUtf8Refused(List.of(
        new byte[] {(byte) 0xc0, (byte) 0xaf},
        new byte[] {(byte) 0xe0, (byte) 0x80, (byte) 0xaf},
        new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}));
  }

  private static void assertInvalidUtf8Refused(List<byte[]> sequences) {
    for (byte[] bad : sequences) {
      var inTitle = concat("{\"executor\":\"process\",\"input\":{\"command\":[\"true\"]},\"title\":\"", bad, "\"}");
      var inKey = concat("{\"executor\":\"process\",\"input\":{\"command\":[\"true\"]},\"", bad, "\":1}");
      assertBadRequest(server.postBytes("/v1/sessions/" + uid("s") + "/tasks", inTitle, TOKEN), null);
      assertBadRequest(server.postBytes("/v1/sessions/" + uid("s") + "/tasks", inKey, TOKEN), null);
      assertBadRequest(server.postBytes("/v1/sessions", concat("{\"title\":\"", bad, "\"}"), TOKEN), null);
    }
  }

  @Test
  void gadgetTypedPayloadsAnswer400AndLoadNothing() throws Exception {
    Path marker = server.dataDir.resolve("gadget-was-here");
    String gadget = Gadget.class.getName();
    String sid = uid("s");
    String tid = uid("gadget");
    String spec = "\"executor\":\"process\",\"input\":{\"command\":[\"true\"]}";

    assertBadRequest(server.post("/v1/sessions/" + sid + "/tasks",
        "{\"@class\":\"" + gadget + "\",\"id\":\"" + tid + "\"," + spec + "}"), "@class");
    assertBadRequest(server.post("/v1/sessions/" + sid + "/tasks",
        "{\"@class\":\"java.lang.ProcessBuilder\",\"id\":\"" + tid + "\",\"command\":[\"touch\",\"" + marker + "\"]}"), null);
    assertBadRequest(server.post("/v1/sessions/" + sid + "/tasks",
        "[\"" + gadget + "\",{\"id\":\"" + tid + "\"," + spec + "}]"), null);
    assertBadRequest(server.post("/v1/sessions/" + sid + "/tasks",
        "{\"id\":\"" + tid + "\",\"executor\":\"process\",\"input\":{\"@class\":\"" + gadget + "\",\"command\":[\"true\"]}}"),
        "input.@class");
    assertBadRequest(server.post("/v1/sessions/" + sid + "/tasks",
        "{\"id\":\"" + tid + "\"," + spec + ",\"retryOn\":[\"" + gadget + "\"]}"), "retryOn[0]");
    assertBadRequest(server.post("/v1/sessions",
        "{\"@type\":\"" + gadget + "\",\"id\":\"" + sid + "\"}"), "@type");
    assertBadRequest(server.post("/v1/sessions",
        "{\"@class\":\"java.lang.ProcessBuilder\",\"command\":[\"touch\",\"" + marker + "\"]}"), "@class");

    assertFalse(Gadget.Probe.INITIALIZED.get(), "a request made the server initialize " + gadget);
    assertFalse(Files.exists(marker), "a request started a process");
    assertProblem(server.get("/v1/tasks/" + tid), 404, "not-found");
    assertProblem(server.get("/v1/sessions/" + sid), 404, "not-found");
  }

  private static byte[] concat(String before, byte[] middle, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(middle);
    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }
}
