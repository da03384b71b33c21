package io.taskforce.bench;

import java.util.Locale;

/** Where a scenario runs: a database and the way the load reaches Taskforce. */
public record Target(Db db, Api api) {

  /** The embedded default (an H2 file in a fresh data directory) or PostgreSQL on 127.0.0.1:5432. */
  public enum Db {
    H2, POSTGRES;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Db fromWire(String s) {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    }
  }

  /** The HTTP API v1 on loopback, or the Java facade in the same JVM. */
  public enum Api {
    HTTP, INPROCESS;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Api fromWire(String s) {
      return valueOf(s.trim().toUpperCase(Locale.ROOT).replace("-", ""));
    }
  }

  @Override
  public String toString() {
    return db.wire() + "/" + api.wire();
  }
}
