package io.taskforce.server.cli;

import java.util.Map;
import java.util.Stack;
import picocli.CommandLine.IParameterPreprocessor;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Lets {@code --wait[=SECONDS]} stand alone before a positional argument: {@code result --wait t-1}
 * waits without limit instead of reading {@code t-1} as the seconds. A value is taken when attached
 * ({@code --wait=30}) or when the next argument is a whole number ({@code --wait 30}).
 */
final class OptionalSeconds implements IParameterPreprocessor {
  @Override
  public boolean preprocess(Stack<String> args, CommandSpec command, ArgSpec option, Map<String, Object> info) {
    if ("=".equals(info.get("separator"))) return false;
    if (!args.isEmpty() && args.peek().matches("\\d+")) return false;
    option.setValue(ResultWait.FOREVER);
    return true;
  }
}
