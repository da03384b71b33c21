package io.taskforce.api;

/**
 * One cluster node's attempt slots as an operator sees them: {@code running} attempts on its
 * slots (whichever node hosts their tasks), {@code queued} attempts of its own tasks waiting for a
 * slot anywhere, its {@code maxRunning}, and whether it is draining (starts nothing, then leaves).
 */
public record NodeLoad(String address, int running, int queued, int maxRunning, boolean draining) {}
