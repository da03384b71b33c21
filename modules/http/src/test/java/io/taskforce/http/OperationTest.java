package io.taskforce.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A route template matches whole, decoded path segments and binds its parameters. */
class OperationTest {
  private final Operation result = new Operation("GET", "/v1/tasks/{tid}/result", call -> null);

  @Test
  void bindsTheParametersOfAMatchingPath() {
    assertEquals(Map.of("tid", "t-1"), result.match(List.of("v1", "tasks", "t-1", "result")).orElseThrow());
  }

  @Test
  void refusesOtherLengthsLiteralsAndEmptyParameters() {
    assertTrue(result.match(List.of("v1", "tasks", "t-1")).isEmpty());
    assertTrue(result.match(List.of("v1", "tasks", "t-1", "result", "x")).isEmpty());
    assertTrue(result.match(List.of("v1", "tasks", "t-1", "output")).isEmpty());
    assertTrue(result.match(List.of("v1", "tasks", "", "result")).isEmpty());
  }
}
