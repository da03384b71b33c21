package io.taskforce.http.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.taskforce.http.Json;

/** JSON-RPC 2.0 as MCP uses it: the error codes, and the messages the server writes. */
final class JsonRpc {
  static final int PARSE_ERROR = -32700;
  static final int INVALID_REQUEST = -32600;
  static final int METHOD_NOT_FOUND = -32601;
  static final int INVALID_PARAMS = -32602;
  static final int INTERNAL_ERROR = -32603;
  /** Implementation-defined (the server error range): the request's MCP session is unknown. */
  static final int SESSION_NOT_FOUND = -32001;
  /** Implementation-defined: the bearer token is missing or unknown. */
  static final int UNAUTHORIZED = -32002;
  /** Implementation-defined: the Origin or Host of the request is not allowed. */
  static final int FORBIDDEN = -32003;

  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonRpc() {}

  /** A refusal that becomes a JSON-RPC error answer. */
  static final class RpcException extends RuntimeException {
    final int code;
    final transient JsonNode data;

    RpcException(int code, String message) {
      this(code, message, null);
    }

    RpcException(int code, String message, JsonNode data) {
      super(message, null, false, false);
      this.code = code;
      this.data = data;
    }
  }

  static RpcException invalidParams(String message) {
    return new RpcException(INVALID_PARAMS, message);
  }

  static ObjectNode result(JsonNode id, JsonNode result) {
    ObjectNode message = NODES.objectNode();
    message.put("jsonrpc", "2.0");
    message.set("id", id == null ? NullNode.getInstance() : id);
    message.set("result", result);
    return message;
  }

  static ObjectNode error(JsonNode id, int code, String text, JsonNode data) {
    ObjectNode message = NODES.objectNode();
    message.put("jsonrpc", "2.0");
    message.set("id", id == null ? NullNode.getInstance() : id);
    ObjectNode error = message.putObject("error");
    error.put("code", code);
    error.put("message", text);
    if (data != null) error.set("data", data);
    return message;
  }

  static ObjectNode error(JsonNode id, RpcException e) {
    return error(id, e.code, e.getMessage(), e.data);
  }

  static ObjectNode notification(String method, ObjectNode params) {
    ObjectNode message = NODES.objectNode();
    message.put("jsonrpc", "2.0");
    message.put("method", method);
    message.set("params", params);
    return message;
  }

  static ObjectNode request(String id, String method, ObjectNode params) {
    ObjectNode message = notification(method, params);
    message.put("id", id);
    return message;
  }

  static String write(JsonNode node) {
    try {
      return Json.MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] bytes(JsonNode node) {
    try {
      return Json.MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
