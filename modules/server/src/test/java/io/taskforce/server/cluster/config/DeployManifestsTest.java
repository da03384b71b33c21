package io.taskforce.server.cluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.Config;
import io.taskforce.server.ClusterFormation;
import io.taskforce.server.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * deploy/kubernetes and deploy/systemd against each other and against the configuration they
 * drive, so that they do not drift apart unnoticed: they cannot be applied on this machine, but
 * every name, port and number in them can be checked.
 */
class DeployManifestsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path KUBERNETES = ConfFiles.root().resolve("deploy/kubernetes");
  private static final Path SYSTEMD = ConfFiles.root().resolve("deploy/systemd");
  /** The coordinated-shutdown phase that holds the drain. */
  private static final String DRAIN_PHASE = "pekko.coordinated-shutdown.phases.before-service-unbind.timeout";

  @Test
  void everyManifestParsesAndTheKustomizationListsWhatExists() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(KUBERNETES)) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(files.size() >= 7, files.toString());
    for (Path file : files) {
      for (JsonNode doc : documents(file)) {
        assertTrue(doc.hasNonNull("apiVersion") && doc.hasNonNull("kind"), file + ": " + doc);
        if (!doc.path("kind").asText().equals("Kustomization")) {
          assertFalse(doc.at("/metadata/name").asText().isEmpty(), file + " has a resource without a name");
        }
      }
    }
    JsonNode kustomization = only(KUBERNETES.resolve("kustomization.yaml"));
    List<String> resources = new ArrayList<>();
    kustomization.path("resources").forEach(r -> resources.add(r.asText()));
    for (String resource : resources) assertTrue(Files.isRegularFile(KUBERNETES.resolve(resource)), resource);
    assertTrue(resources.containsAll(List.of("namespace.yaml", "rbac.yaml", "service.yaml", "deployment.yaml", "pdb.yaml")));
    // The Secret holds real credentials: it is created by the operator, never applied from the repository.
    assertFalse(resources.contains("secret.example.yaml"));
    String namespace = kustomization.path("namespace").asText();
    for (String resource : resources) {
      for (JsonNode doc : documents(KUBERNETES.resolve(resource))) {
        if (!doc.path("kind").asText().equals("Namespace")) {
          assertEquals(namespace, doc.at("/metadata/namespace").asText(), resource + " " + doc.at("/metadata/name"));
        }
      }
    }
  }

  @Test
  void theDeploymentsPortsAndProbesAreThoseTheConfigurationOpens() throws IOException {
    JsonNode deployment = deployment();
    JsonNode container = container(deployment);
    Map<String, String> env = literalEnv(container);
    Map<String, Integer> ports = new HashMap<>();
    container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    Config config = ConfFiles.load(env);

    assertEquals(config.getInt("taskforce.http.port"), ports.get("http"));
    assertEquals(config.getInt("taskforce.server.management.port"), ports.get("management"));
    assertEquals(config.getInt("pekko.remote.artery.canonical.port"), ports.get("remoting"));
    // Bootstrap looks the management port up by its name in the pod spec.
    assertEquals("management",
        config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.port-name"));

    String ready = "/" + config.getString("pekko.management.health-checks.readiness-path");
    String alive = "/" + config.getString("pekko.management.health-checks.liveness-path");
    assertEquals(ready, container.at("/readinessProbe/httpGet/path").asText());
    assertEquals(alive, container.at("/livenessProbe/httpGet/path").asText());
    assertEquals(alive, container.at("/startupProbe/httpGet/path").asText());
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      assertEquals("management", container.path(probe).at("/httpGet/port").asText(), probe);
    }
    // The start-up probe waits at least as long as the server may take to start.
    JsonNode startup = container.path("startupProbe");
    Duration startupWindow = Duration.ofSeconds((long) startup.path("periodSeconds").asInt() * startup.path("failureThreshold").asInt());
    assertTrue(startupWindow.compareTo(config.getDuration("taskforce.server.startup-timeout")) > 0, startupWindow.toString());

    for (JsonNode service : documents(KUBERNETES.resolve("service.yaml"))) {
      service.at("/spec/ports").forEach(p ->
          assertTrue(ports.containsKey(p.path("targetPort").asText()), service.at("/metadata/name") + " " + p));
      assertTrue(labels(deployment.at("/spec/template/metadata/labels")).entrySet()
          .containsAll(labels(service.at("/spec/selector")).entrySet()), service.at("/metadata/name").asText());
    }
  }

  @Test
  void theDeploymentsEnvironmentMakesABootstrappedPostgresClusterNode() throws IOException {
    JsonNode deployment = deployment();
    JsonNode container = container(deployment);
    Map<String, String> env = literalEnv(container);
    assertEquals(3, deployment.at("/spec/replicas").asInt());
    assertEquals("status.podIP", envFrom(container, "TASKFORCE_REMOTE_HOST").at("/fieldRef/fieldPath").asText());
    assertEquals("status.podIP", envFrom(container, "TASKFORCE_MGMT_HOST").at("/fieldRef/fieldPath").asText());

    Config config = ConfFiles.load(env);
    assertTrue(ClusterFormation.bootstrapEnabled(config));
    assertFalse(config.getBoolean("taskforce.cluster.join-self-without-seeds"));
    assertTrue(config.getStringList("pekko.cluster.seed-nodes").isEmpty());
    assertEquals("postgres", config.getString("taskforce.persistence.kind"));
    assertEquals("kubernetes-api", config.getString("pekko.discovery.method"));

    // The label selector that discovery queries matches the pods' own labels.
    String selector = String.format(config.getString("pekko.discovery.kubernetes-api.pod-label-selector"),
        config.getString("pekko.management.cluster.bootstrap.contact-point-discovery.service-name"));
    String[] pair = selector.split("=", 2);
    assertEquals(pair[1], labels(deployment.at("/spec/template/metadata/labels")).get(pair[0]), selector);
    assertEquals(labels(deployment.at("/spec/selector/matchLabels")),
        labels(deployment.at("/spec/template/metadata/labels")));

    // Fewer contact points than replicas are required, and the majority survives a voluntary disruption.
    int required = config.getInt("pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr");
    assertTrue(required >= 2 && required <= 3, "required contact points " + required);
    JsonNode pdb = only(KUBERNETES.resolve("pdb.yaml"));
    assertEquals(2, pdb.at("/spec/minAvailable").asInt());
    assertEquals(labels(deployment.at("/spec/selector/matchLabels")), labels(pdb.at("/spec/selector/matchLabels")));
  }

  @Test
  void podDiscoveryHasTheRightsItNeeds() throws IOException {
    Map<String, JsonNode> byKind = new HashMap<>();
    for (JsonNode doc : documents(KUBERNETES.resolve("rbac.yaml"))) byKind.put(doc.path("kind").asText(), doc);
    JsonNode account = byKind.get("ServiceAccount");
    JsonNode role = byKind.get("Role");
    JsonNode binding = byKind.get("RoleBinding");
    assertNotNull(account);
    assertNotNull(role);
    assertNotNull(binding);
    assertEquals(account.at("/metadata/name").asText(), deployment().at("/spec/template/spec/serviceAccountName").asText());
    JsonNode rule = role.at("/rules/0");
    assertEquals("", rule.at("/apiGroups/0").asText());
    assertEquals("pods", rule.at("/resources/0").asText());
    Set<String> verbs = new HashSet<>();
    rule.path("verbs").forEach(v -> verbs.add(v.asText()));
    assertEquals(Set.of("get", "watch", "list"), verbs);
    assertEquals(role.at("/metadata/name").asText(), binding.at("/roleRef/name").asText());
    assertEquals("Role", binding.at("/roleRef/kind").asText());
    assertEquals("ServiceAccount", binding.at("/subjects/0/kind").asText());
    assertEquals(account.at("/metadata/name").asText(), binding.at("/subjects/0/name").asText());
  }

  @Test
  void everySecretKeyTheDeploymentAndJobReadIsInTheExampleSecret() throws IOException {
    JsonNode secret = only(KUBERNETES.resolve("secret.example.yaml"));
    for (Path file : List.of(KUBERNETES.resolve("deployment.yaml"), KUBERNETES.resolve("migrate-job.yaml"))) {
      JsonNode container = only(file).at("/spec/template/spec/containers/0");
      for (JsonNode variable : container.path("env")) {
        JsonNode ref = variable.at("/valueFrom/secretKeyRef");
        if (ref.isMissingNode()) continue;
        assertEquals(secret.at("/metadata/name").asText(), ref.path("name").asText(), file + " " + variable);
        assertTrue(secret.path("stringData").has(ref.path("key").asText()), file + " " + variable);
      }
    }
  }

  @Test
  void theImageAndTheJobRunVerbsTheCommandLineHas() throws IOException {
    CommandLine taskforce = new CommandLine(new Main());
    assertTrue(taskforce.getSubcommands().containsKey(container(deployment()).at("/args/0").asText()));
    JsonNode job = only(KUBERNETES.resolve("migrate-job.yaml")).at("/spec/template/spec/containers/0/args");
    assertEquals("db", job.get(0).asText());
    assertTrue(taskforce.getSubcommands().get("db").getSubcommands().containsKey(job.get(1).asText()));

    String dockerfile = Files.readString(KUBERNETES.resolve("Dockerfile"), StandardCharsets.UTF_8);
    assertTrue(dockerfile.contains("\"" + Main.class.getName() + "\""), "the entry point runs " + Main.class.getName());
    assertTrue(dockerfile.contains("-Dconfig.file=/opt/taskforce/conf/application.conf"));
    assertTrue(dockerfile.contains("COPY conf/ /opt/taskforce/conf/"));
    assertTrue(dockerfile.contains("CMD [\"server\"]"));
    for (String port : List.of("8080", "8558", "2551")) assertTrue(dockerfile.contains(port), port);
  }

  @Test
  void aStoppingNodeGetsLongerThanItsDrainAndShutdownTake() throws IOException {
    JsonNode deployment = deployment();
    Config config = ConfFiles.load(literalEnv(container(deployment)));
    Duration shutdown = worstCaseShutdown(config);
    Duration grace = Duration.ofSeconds(deployment.at("/spec/template/spec/terminationGracePeriodSeconds").asLong());
    assertTrue(grace.compareTo(shutdown) > 0, "grace " + grace + " must exceed the worst-case shutdown " + shutdown);
    long drain = Long.parseLong(literalEnv(container(deployment)).get("TASKFORCE_DRAIN_SECONDS"));
    assertTrue(config.getDuration(DRAIN_PHASE).compareTo(Duration.ofSeconds(drain)) > 0);

    Map<String, String> unit = systemdUnit();
    assertEquals("SIGTERM", unit.get("KillSignal"));
    assertEquals("mixed", unit.get("KillMode"));
    assertEquals("-/etc/taskforce/taskforce.env", unit.get("EnvironmentFile"));
    Map<String, String> example = envFile(SYSTEMD.resolve("taskforce.env.example"), true);
    Config systemd = ConfFiles.load(Map.of("TASKFORCE_DRAIN_SECONDS", example.get("TASKFORCE_DRAIN_SECONDS")));
    Duration stop = Duration.ofSeconds(Long.parseLong(unit.get("TimeoutStopSec")));
    assertTrue(stop.compareTo(worstCaseShutdown(systemd)) > 0, "TimeoutStopSec " + stop);
  }

  @Test
  void everyVariableTheDeploymentsSetIsOneTaskforceReadsAndIsDocumented() throws IOException {
    String readers = readersText();
    String docs = Files.readString(ConfFiles.root().resolve("docs/operations.md"), StandardCharsets.UTF_8);
    Set<String> names = new HashSet<>();
    for (Path file : List.of(KUBERNETES.resolve("deployment.yaml"), KUBERNETES.resolve("migrate-job.yaml"))) {
      only(file).at("/spec/template/spec/containers/0/env").forEach(v -> names.add(v.path("name").asText()));
    }
    names.addAll(envFile(SYSTEMD.resolve("taskforce.env.example"), false).keySet());
    Matcher unitEnv = Pattern.compile("(?m)^Environment=(TASKFORCE_[A-Z_]+)=").matcher(
        Files.readString(SYSTEMD.resolve("taskforce.service"), StandardCharsets.UTF_8));
    while (unitEnv.find()) names.add(unitEnv.group(1));
    names.removeIf(n -> !n.startsWith("TASKFORCE_"));
    assertTrue(names.size() > 15, names.toString());
    for (String name : names) {
      assertTrue(readers.contains("${?" + name + "}") || readers.contains("\"" + name + "\""),
          name + " is set by deploy/ but nothing reads it");
      assertTrue(docs.contains("`" + name + "`"), name + " is not in docs/operations.md");
    }
  }

  // ---- helpers

  /** The phases' timeouts added up: how long a coordinated shutdown can take at worst. */
  static Duration worstCaseShutdown(Config config) {
    Config shutdown = config.getConfig("pekko.coordinated-shutdown");
    Duration fallback = shutdown.getDuration("default-phase-timeout");
    Duration total = Duration.ZERO;
    for (String phase : shutdown.getConfig("phases").root().keySet()) {
      Config settings = shutdown.getConfig("phases").getConfig("\"" + phase + "\"");
      if (settings.hasPath("enabled") && !settings.getBoolean("enabled")) continue;
      total = total.plus(settings.hasPath("timeout") ? settings.getDuration("timeout") : fallback);
    }
    return total;
  }

  /** The config files and the server's sources: where a TASKFORCE_* variable can be read. */
  private static String readersText() throws IOException {
    StringBuilder text = new StringBuilder();
    Path root = ConfFiles.root();
    List<Path> places = List.of(root.resolve("conf"), root.resolve("modules"));
    for (Path place : places) {
      try (Stream<Path> files = Files.walk(place)) {
        for (Path file : files.filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/src/test/")
            && (p.toString().endsWith(".conf") || p.toString().endsWith(".java"))).toList()) {
          text.append(Files.readString(file, StandardCharsets.UTF_8)).append('\n');
        }
      }
    }
    return text.toString();
  }

  private static JsonNode deployment() throws IOException {
    return only(KUBERNETES.resolve("deployment.yaml"));
  }

  private static JsonNode container(JsonNode deployment) {
    JsonNode containers = deployment.at("/spec/template/spec/containers");
    assertEquals(1, containers.size());
    return containers.get(0);
  }

  /** The container's variables with literal values; the ones from the pod or a Secret get stand-ins. */
  private static Map<String, String> literalEnv(JsonNode container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (JsonNode variable : container.path("env")) {
      String name = variable.path("name").asText();
      if (variable.has("value")) {
        env.put(name, variable.path("value").asText());
      } else if (variable.at("/valueFrom/fieldRef/fieldPath").asText().equals("status.podIP")) {
        env.put(name, "10.244.1.17");
      } else if (name.equals("TASKFORCE_TOKENS")) {
        env.put(name, "default=a-token-from-the-secret-0123456789");
      } else if (name.equals("TASKFORCE_DB_URL")) {
        env.put(name, "jdbc:postgresql://postgres.example.internal:5432/taskforce");
      } else {
        env.put(name, "from-the-secret");
      }
    }
    return env;
  }

  private static JsonNode envFrom(JsonNode container, String name) {
    for (JsonNode variable : container.path("env")) {
      if (variable.path("name").asText().equals(name)) return variable.path("valueFrom");
    }
    throw new AssertionError(name + " is not set");
  }

  private static Map<String, String> labels(JsonNode node) {
    Map<String, String> labels = new HashMap<>();
    node.fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }

  private static List<JsonNode> documents(Path file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isEmpty()) docs.add(doc);
      }
    }
    return docs;
  }

  private static JsonNode only(Path file) throws IOException {
    List<JsonNode> docs = documents(file);
    assertEquals(1, docs.size(), file.toString());
    return docs.get(0);
  }

  /** KEY=value lines of the unit's [Service] section (the last of a repeated key). */
  private static Map<String, String> systemdUnit() throws IOException {
    Map<String, String> keys = new HashMap<>();
    for (String line : Files.readAllLines(SYSTEMD.resolve("taskforce.service"), StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#") || line.startsWith("[")) continue;
      int eq = line.indexOf('=');
      keys.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
    }
    return keys;
  }

  /** VARIABLE=value lines of an environment file; with {@code setOnly}, the uncommented ones only. */
  private static Map<String, String> envFile(Path file, boolean setOnly) throws IOException {
    Map<String, String> env = new HashMap<>();
    Pattern line = Pattern.compile(setOnly ? "^([A-Z_][A-Z0-9_]*)=(.*)$" : "^#?([A-Z_][A-Z0-9_]*)=(.*)$");
    for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      Matcher m = line.matcher(text.trim());
      if (m.matches()) env.put(m.group(1), m.group(2));
    }
    return env;
  }
}
