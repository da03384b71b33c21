package io.taskforce.internal;

/**
 * Entity ids are scoped by tenant ({@code tenant|id}), so two tenants' sessions or tasks of the
 * same name are two entities that never meet. Ids themselves never contain '|'.
 */
public final class EntityIds {
  private static final char SEPARATOR = '|';

  private EntityIds() {}

  public static String of(String tenant, String id) {
    return tenant + SEPARATOR + id;
  }

  public static String tenant(String entityId) {
    return entityId.substring(0, entityId.indexOf(SEPARATOR));
  }

  public static String localId(String entityId) {
    return entityId.substring(entityId.indexOf(SEPARATOR) + 1);
  }
}
