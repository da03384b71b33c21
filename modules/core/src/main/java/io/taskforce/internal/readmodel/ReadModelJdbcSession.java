package io.taskforce.internal.readmodel;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.projection.jdbc.JdbcSession;

/**
 * One transaction on a connection of the read model's own pool: the projection runs its handler
 * and stores its offset in it, so both commit together (exactly once).
 */
final class ReadModelJdbcSession implements JdbcSession {
  private final Connection connection;

  ReadModelJdbcSession(DataSource dataSource) {
    Connection c;
    try {
      c = dataSource.getConnection();
    } catch (SQLException e) {
      throw new IllegalStateException("read model: no database connection: " + e.getMessage(), e);
    }
    try {
      c.setAutoCommit(false);
    } catch (SQLException e) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // the first failure is the one to report
      }
      throw new IllegalStateException("read model: cannot start a transaction: " + e.getMessage(), e);
    }
    this.connection = c;
  }

  @Override
  public <R> R withConnection(Function<Connection, R> func) throws Exception {
    return func.apply(connection);
  }

  @Override
  public void commit() throws SQLException {
    connection.commit();
  }

  @Override
  public void rollback() throws SQLException {
    connection.rollback();
  }

  @Override
  public void close() throws SQLException {
    // The pool resets auto-commit when the connection comes back.
    connection.close();
  }
}
