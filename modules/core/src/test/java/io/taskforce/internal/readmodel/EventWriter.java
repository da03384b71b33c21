package io.taskforce.internal.readmodel;

import io.taskforce.internal.JsonSerializable;
import io.taskforce.internal.session.SessionEvent;
import io.taskforce.internal.task.TaskEvent;
import java.util.List;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * Test only: an entity that persists whatever task or session events it is given, under Taskforce's
 * journal and with Taskforce's tags, so the read model's projections see real journal rows.
 */
final class EventWriter extends EventSourcedBehavior<EventWriter.Write, JsonSerializable, Long> {

  record Write(List<? extends JsonSerializable> events, ActorRef<Done> replyTo) {}

  static Behavior<Write> create(String persistenceId) {
    return new EventWriter(persistenceId);
  }

  private EventWriter(String persistenceId) {
    super(PersistenceId.ofUniqueId(persistenceId));
  }

  @Override
  public Long emptyState() {
    return 0L;
  }

  @Override
  public CommandHandler<Write, JsonSerializable, Long> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(
            Write.class,
            w -> Effect().persist(List.copyOf(w.events())).thenReply(w.replyTo(), s -> Done.getInstance()))
        .build();
  }

  @Override
  public EventHandler<Long, JsonSerializable> eventHandler() {
    return (state, event) -> state + 1;
  }

  @Override
  public Set<String> tagsFor(JsonSerializable event) {
    if (event instanceof TaskEvent) return Set.of(ReadModel.TASK_TAG);
    if (event instanceof SessionEvent) return Set.of(ReadModel.SESSION_TAG);
    return Set.of();
  }

  @Override
  public String journalPluginId() {
    return "taskforce.persistence.journal";
  }

  @Override
  public String snapshotPluginId() {
    return "taskforce.persistence.snapshot";
  }
}
