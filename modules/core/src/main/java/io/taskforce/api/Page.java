package io.taskforce.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** One page of a listing, newest first; {@code nextCursor} is null on the last page. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Page<T>(List<T> items, String nextCursor) {}
