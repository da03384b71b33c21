package io.taskforce.internal.readmodel;

/**
 * A row's key, taken from the persistence id of the entity whose events fill it:
 * {@code <entityType>|<tenant>|<id>} (ids contain no '|').
 */
record RowKey(String tenant, String id) {
  static RowKey parse(String entityType, String persistenceId) {
    String prefix = entityType + "|";
    if (persistenceId == null || !persistenceId.startsWith(prefix)) return null;
    String entityId = persistenceId.substring(prefix.length());
    int sep = entityId.indexOf('|');
    if (sep <= 0 || sep == entityId.length() - 1) return null;
    return new RowKey(entityId.substring(0, sep), entityId.substring(sep + 1));
  }
}
