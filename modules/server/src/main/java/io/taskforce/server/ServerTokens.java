package io.taskforce.server;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the server's tokens come from: {@code TASKFORCE_TOKEN} (tenant {@code default}),
 * * {@code TASKFORCE_TOKENS} ({@code tenantA=tokenA,tenantB=tokenB}) or {@code taskforce.server.tokens} in
 * configuration; a single node with none of them generates one for {@code default} once and keeps
 * it in {@code <data dir>/token} (mode 0600). A cluster must be given its tokens.
 */
public final class ServerTokens {
  public static final String TOKEN_FILE = "token";

  /** The tokens, and the file the generated one was written to (null when configured). */
  public record Resolved(Map<String, String> tenantByToken, Path generatedFile) {}

  private ServerTokens() {}

  public static Resolved resolve(Config config, Path dataDir, boolean cluster) {
    Map<String, String> tenantByToken = new LinkedHashMap<>();
    String defaultTenant = config.getString("taskforce.default-tenant");
    String single = config.getString("taskforce.server.token");
    if (!single.isBlank()) tenantByToken.put(single.trim(), defaultTenant);
    String many = config.getString("taskforce.server.tokens");
    for (String pair : many.split(",")) {
      if (pair.isBlank()) continue;
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        throw new IllegalArgumentException("TASKFORCE_TOKENS must be tenant=token pairs separated by commas");
      }
      String tenant = pair.substring(0, eq).trim();
      String token = pair.substring(eq + 1).trim();
      if (token.length() < 16) {
        throw new IllegalArgumentException("the token of tenant " + tenant + " is shorter than 16 characters");
      }
      tenantByToken.put(token, tenant);
    }
    if (!tenantByToken.isEmpty()) return new Resolved(Map.copyOf(tenantByToken), null);
    if (cluster) {
      throw new IllegalStateException("a cluster needs its tokens from TASKFORCE_TOKEN or TASKFORCE_TOKENS "
          + "(the same on every node); none is set");
    }
    Path file = dataDir.resolve(TOKEN_FILE);
    return new Resolved(Map.of(readOrGenerate(file), defaultTenant), file);
  }

  private static String readOrGenerate(Path file) {
    try {
      if (Files.isRegularFile(file)) {
        String token = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!token.isEmpty()) return token;
      }
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String token = "tf_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      Files.createDirectories(file.getParent());
      Path temp = file.resolveSibling(TOKEN_FILE + ".tmp");
      Files.deleteIfExists(temp);
      Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(temp, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
      Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return token;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write the token file " + file, e);
    }
  }
}
