package io.taskforce.api;

/**
 * A piece of a task's captured output. {@code offset} is where {@code data} starts in the task's
 * whole output; {@code truncated} says that bytes before {@code offset} were asked for but are no
 * longer kept (only a bounded tail is).
 */
public record OutputChunk(long offset, long nextOffset, String data, boolean truncated) {}
