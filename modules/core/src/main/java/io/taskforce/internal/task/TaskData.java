package io.taskforce.internal.task;

import io.taskforce.api.TaskSpec;
import io.taskforce.internal.JsonSerializable;
import java.time.Instant;

/** What a task is, fixed at its creation: who asked (tenant, session), what for (spec), when. */
public record TaskData(
    String tenant, String taskId, String sessionId, TaskSpec spec, Instant createdAt)
    implements JsonSerializable {}
