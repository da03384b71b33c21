package io.taskforce.internal.task;

import io.taskforce.api.OutputChunk;
import io.taskforce.api.TaskView;
import io.taskforce.internal.JsonSerializable;
import io.taskforce.internal.Refusal;

/** Every answer of a task entity. */
public sealed interface TaskReply extends JsonSerializable {
  /** The task as it is now; {@code repeated} when a dispatch found the same task already there. */
  record View(TaskView task, boolean repeated) implements TaskReply {}

  record Output(OutputChunk chunk) implements TaskReply {}

  /** Refused; nothing was persisted. The message names the current status where it matters. */
  record Refused(Refusal reason, String message) implements TaskReply {}
}
