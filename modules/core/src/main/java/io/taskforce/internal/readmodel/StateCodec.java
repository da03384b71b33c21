package io.taskforce.internal.readmodel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.taskforce.api.TaskView;
import io.taskforce.internal.task.TaskState;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;

/**
 * JSON of what the read model keeps in its rows: a task's state (with the name of its record class,
 * since {@link TaskState} is a sealed interface without type information), the task's view, and a
 * session's metadata. It uses Pekko's own {@code jackson-json} mapper, configured exactly like the
 * serializer of the journal (java.time, Jdk8, parameter names, field visibility), so whatever the
 * journal can store round-trips here too.
 */
final class StateCodec {
  private static final Map<String, Class<? extends TaskState>> STATE_TYPES = stateTypes();

  private final ObjectMapper mapper;

  StateCodec(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  static StateCodec of(ActorSystem<?> system) {
    return new StateCodec(
        JacksonObjectMapperProvider.get(system.classicSystem()).getOrCreate("jackson-json", Optional.empty()));
  }

  ObjectMapper mapper() {
    return mapper;
  }

  static String typeOf(TaskState state) {
    return state.getClass().getSimpleName();
  }

  String write(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("read model: cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  TaskState readState(String type, String json) {
    Class<? extends TaskState> cls = STATE_TYPES.get(type);
    if (cls == null) throw new IllegalStateException("read model: unknown task state type '" + type + "'");
    try {
      return mapper.readValue(json, cls);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("read model: cannot read a " + type + " from its row", e);
    }
  }

  TaskView readView(String json) {
    try {
      return mapper.readValue(json, TaskView.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("read model: cannot read a task view from its row", e);
    }
  }

  JsonNode readTree(String json) {
    if (json == null) return null;
    try {
      return mapper.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("read model: cannot read JSON from a row", e);
    }
  }

  /** Every record class of the sealed {@link TaskState} hierarchy, by simple name. */
  @SuppressWarnings("unchecked")
  private static Map<String, Class<? extends TaskState>> stateTypes() {
    Map<String, Class<? extends TaskState>> types = new HashMap<>();
    Deque<Class<?>> todo = new ArrayDeque<>();
    todo.push(TaskState.class);
    while (!todo.isEmpty()) {
      Class<?> c = todo.pop();
      if (c.isRecord()) {
        Class<?> previous = types.put(c.getSimpleName(), (Class<? extends TaskState>) c);
        if (previous != null && previous != c) {
          throw new IllegalStateException("two task state records named " + c.getSimpleName());
        }
      }
      Class<?>[] permitted = c.getPermittedSubclasses();
      if (permitted != null) {
        for (Class<?> p : permitted) todo.push(p);
      }
    }
    return Map.copyOf(types);
  }
}
