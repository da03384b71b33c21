package io.taskforce.http;

/** A refusal that only the HTTP layer knows of (a malformed body, a bad parameter). */
public final class HttpProblemException extends RuntimeException {
  private final Problem problem;

  public HttpProblemException(Problem problem) {
    super(problem.detail(), null, false, false);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }

  public static HttpProblemException badRequest(String field, String detail) {
    return new HttpProblemException(Problem.of(400, "invalid-request", "Invalid request", detail).withField(field));
  }
}
