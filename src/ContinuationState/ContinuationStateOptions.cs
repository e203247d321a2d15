using ContinuationState.Serialization;

namespace ContinuationState;

/// <summary>Configuration of ContinuationState, bound through <c>AddContinuationState(options =&gt; ...)</c>.</summary>
public sealed class ContinuationStateOptions
{
    /// <summary>
    /// The PostgreSQL connection string. Used only when no <see cref="Npgsql.NpgsqlDataSource"/> is registered
    /// in the container; when one is, it is reused and this may stay null.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The service key of a keyed <see cref="Npgsql.NpgsqlDataSource"/> to use instead of the unkeyed one: the key given
    /// to Npgsql's <c>AddNpgsqlDataSource(..., serviceKey: "agents")</c> or to Aspire's
    /// <c>AddKeyedNpgsqlDataSource("agents")</c>. Default null: the unkeyed data source, or one built from
    /// <see cref="ConnectionString"/> when none is registered. When set, a data source must be registered under that key
    /// (resolving the service throws <see cref="InvalidOperationException"/> otherwise) and
    /// <see cref="ConnectionString"/> is not used. The service, the migrator, the maintenance service, the health
    /// check, and the workflow checkpoint and agent session stores all use it.
    /// </summary>
    public string? DataSourceKey { get; set; }

    /// <summary>
    /// What sits between the library and PostgreSQL: it decides whether the library's statements are prepared. Default
    /// <see cref="ConnectionPooler.Detect"/>: they are, unless a pooler is found in the way. Applies both to the data
    /// source the library builds from <see cref="ConnectionString"/> and to one the host registers (see
    /// <see cref="PrepareOnRegisteredDataSource"/>).
    /// </summary>
    public ConnectionPooler ConnectionPooler { get; set; } = ConnectionPooler.Detect;

    /// <summary>
    /// Whether the service prepares its own statements on a data source the host registered. Default true: each of
    /// the library's commands is prepared explicitly (once per statement and physical connection; Npgsql keeps it with
    /// the connection), after <see cref="ConnectionPooler"/>'s check, and the data source is used as the host built it:
    /// no session setting, no connection initializer, and no slot of its automatic-preparation cache is taken. One
    /// thing the host's code can see changes: Npgsql resets a connection that holds prepared statements without
    /// <c>DEALLOCATE ALL</c> and <c>DISCARD PLANS</c> (the rest of <c>DISCARD ALL</c> still runs), as it does for any
    /// host that prepares a command, so a statement the host's own SQL creates with <c>PREPARE</c> outlives the
    /// connection's return to the pool. Set false if the host relies on that reset; the library's statements then run
    /// unprepared there. Ignored for the data source the library builds itself.
    /// </summary>
    public bool PrepareOnRegisteredDataSource { get; set; } = true;

    /// <summary>
    /// Whether the library's own data source compresses large values (TOAST, above about 2 KB) with lz4 rather than
    /// PostgreSQL's default pglz. Default true: a 1 MB save takes about half the time, and the stored value is about
    /// 1.6 times larger on disk and in WAL. Applies only where the library builds its data source from
    /// <see cref="ConnectionString"/> and knows its connections reach PostgreSQL directly (never behind a pooler,
    /// where a session setting would leak to other clients), and only when nobody has set
    /// <c>default_toast_compression</c> (server configuration, database, role or the connection string's
    /// <c>Options</c>) and the server was built with lz4. Values read back the same either way: PostgreSQL
    /// decompresses them itself, for every client.
    /// </summary>
    public bool CompressWithLz4 { get; set; } = true;

    /// <summary>The schema that holds the tables. Default <c>public</c>, as in DocsGPT.</summary>
    public string Schema { get; set; } = "public";

    /// <summary>How long saved state stays loadable when a save names no TTL. Default 30 minutes, as in DocsGPT.</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// How long a claim may stay in <c>resuming</c> before <see cref="IContinuationService.RevertStaleResumingAsync"/>
    /// treats its worker as crashed and hands the state back. Default 10 minutes, as in DocsGPT.
    /// </summary>
    public TimeSpan StaleClaimGrace { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long the receipt of a completed resume is kept, so a retried resume gets the first one's outcome.
    /// Default 24 hours; the maintenance service purges older receipts.
    /// </summary>
    public TimeSpan ReceiptRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The largest outcome document a receipt may carry, in bytes of JSON. Default 16 KiB.</summary>
    public long MaxReceiptOutcomeBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// No longer used: each statement resolves a legacy id itself, in the same round trip, so there is no cache to
    /// size (a cached mapping could outlive its conversation or its legacy id). Kept so existing configuration binds.
    /// </summary>
    [Obsolete("Legacy ids are resolved inside each statement, with no cache; this setting has no effect.")]
    public int LegacyIdCacheSize { get; set; } = 10_000;

    /// <summary>
    /// How long one statement may run before it is cancelled and surfaces as
    /// <see cref="ContinuationStateTimeoutException"/>. Whole seconds (a fraction rounds up); null keeps the data
    /// source's <c>Command Timeout</c> (Npgsql's default is 30 seconds).
    /// </summary>
    public TimeSpan? CommandTimeout { get; set; }

    /// <summary>
    /// How CLR values are coerced to <c>jsonb</c>: the U+0000 and lone-surrogate policies, nesting depth, and
    /// <see cref="ContinuationJsonOptions.MaxBytes"/>, the limit on one state's JSON (default 64 MiB).
    /// </summary>
    public ContinuationJsonOptions Json { get; set; } = new();
}
