package io.taskforce.server.http;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A class that a polymorphic-typing gadget payload names: if the server ever loaded and
 * initialized it because of a request, {@link Probe#INITIALIZED} would say so.
 */
public final class Gadget {
  static {
    Probe.INITIALIZED.set(true);
  }

  public Gadget() {}

  public void setCommand(String command) {
    Probe.INITIALIZED.set(true);
  }

  /** Holds the flag, so that reading it does not initialize {@link Gadget}. */
  static final class Probe {
    static final AtomicBoolean INITIALIZED = new AtomicBoolean();

    private Probe() {}
  }
}
