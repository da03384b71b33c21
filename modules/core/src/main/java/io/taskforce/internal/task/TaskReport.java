package io.taskforce.internal.task;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.taskforce.api.Progress;
import io.taskforce.api.TaskError;
import io.taskforce.api.TaskStatus;
import io.taskforce.internal.JsonSerializable;
import java.time.Instant;

/**
 * One durable change of a task, told to its session until the session confirms it. {@code seq} is
 * the task's own numbering (1 is the dispatch); the session applies a report only if its seq is
 * above the last it applied for that task, so retelling changes nothing.
 *
 * <p>{@code holdsSlot} says whether the task now occupies one of its session's concurrency slots
 * (it has a live attempt: running, waiting for an answer, or paused while running).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskReport(
    long seq,
    ReportKind kind,
    TaskStatus status,
    boolean holdsSlot,
    Instant at,
    String title,
    int priority,
    boolean notifyFinal,
    int attempt,
    Progress progress,
    String question,
    JsonNode result,
    TaskError error,
    JsonNode context)
    implements JsonSerializable {}
