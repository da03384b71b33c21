package io.taskforce.api;

/**
 * Every refusal of the facade. Each subclass is one row of the API's error table, so the HTTP
 * layer maps them without guessing.
 */
public abstract sealed class TaskforceException extends RuntimeException
    permits InvalidRequestException,
        NotFoundException,
        ConflictException,
        ForbiddenException,
        QueueFullException,
        UnavailableException,
        FeedTruncatedException {

  protected TaskforceException(String message) {
    super(message, null, false, false);
  }

  protected TaskforceException(String message, Throwable cause) {
    super(message, cause, false, false);
  }

  /** The problem word of the API ({@code /problems/<word>}). */
  public abstract String problem();
}
