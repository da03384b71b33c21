package io.taskforce.internal;

import io.taskforce.internal.session.SessionCommand;
import io.taskforce.internal.session.SessionEntity;
import io.taskforce.internal.task.TaskCommand;
import io.taskforce.internal.task.TaskEntity;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/** How entities reach one another: through sharding, or (in unit tests) through probes. */
public interface EntityRefs {
  RecipientRef<SessionCommand> session(String entityId);

  RecipientRef<TaskCommand> task(String entityId);

  static EntityRefs of(ClusterSharding sharding) {
    return new EntityRefs() {
      @Override
      public RecipientRef<SessionCommand> session(String entityId) {
        return sharding.entityRefFor(SessionEntity.TYPE_KEY, entityId);
      }

      @Override
      public RecipientRef<TaskCommand> task(String entityId) {
        return sharding.entityRefFor(TaskEntity.TYPE_KEY, entityId);
      }
    };
  }
}
