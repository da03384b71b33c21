package io.taskforce.internal;

/**
 * The one marker of every message, event and state that crosses a process boundary; it is bound to
 * Pekko's Jackson serializer in {@code reference.conf}, and Java serialization stays off.
 */
public interface JsonSerializable {}
