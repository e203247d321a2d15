namespace ContinuationState;

/// <summary>
/// What sits between the library and PostgreSQL: it decides whether the library's statements are prepared, on the data
/// source the library builds from <see cref="ContinuationStateOptions.ConnectionString"/> and on one the host registers.
/// On the host's data source the statements are prepared explicitly by the service and the data source itself is never
/// changed: the check is one round trip per physical connection that prepares and sets nothing, and the session
/// settings described below apply only to the library's own data source.
/// </summary>
public enum ConnectionPooler
{
    /// <summary>
    /// The default: statements are prepared, and every new physical connection first checks that it reaches
    /// PostgreSQL itself (the server's backend process id is the one the connection was given at start-up; a pooler
    /// such as PgBouncer hands out ids of its own). A connection that does also plans the statements generically from
    /// their first execution (<c>plan_cache_mode</c>, set in the check's own round trip). When one does not, nothing
    /// is set, a warning is logged once and the data source stops preparing for the rest of its life. No operation
    /// fails because of it.
    /// </summary>
    Detect = 0,

    /// <summary>
    /// Straight to PostgreSQL, or through a pooler that gives each client connection a server connection of its own
    /// (session pooling, whose reset clears the session on release): statements are prepared and planned generically
    /// from their first execution, and connections are not checked.
    /// </summary>
    None = 1,

    /// <summary>
    /// A pooler that hands out a server connection per transaction and does not carry prepared statements across
    /// them (PgBouncer before 1.21, or without <c>max_prepared_statements</c>): statements are never prepared.
    /// </summary>
    Transaction = 2,

    /// <summary>
    /// A pooler in transaction mode that carries protocol-level prepared statements across server connections
    /// (PgBouncer 1.21 or later with <c>max_prepared_statements</c> above zero): statements are prepared and
    /// connections are not checked.
    /// </summary>
    TransactionWithPreparedStatements = 3,
}
