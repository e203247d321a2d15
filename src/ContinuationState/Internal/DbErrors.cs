using Npgsql;

namespace ContinuationState.Internal;

/// <summary>
/// Turns the driver's transient failures and timeouts into the library's typed exceptions, so a host can
/// tell "try again later" from a bug without knowing Npgsql's error codes.
/// </summary>
internal static class DbErrors
{
    /// <summary>Awaits <paramref name="operation"/>, translating database failures.</summary>
    public static async Task<T> Translated<T>(Task<T> operation)
    {
        try
        {
            return await operation.ConfigureAwait(false);
        }
        catch (Exception e) when (Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    public static Exception? Translate(Exception exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.QueryCanceled or PostgresErrorCodes.LockNotAvailable } e
            => new ContinuationStateTimeoutException($"The database cancelled the statement: {e.MessageText} ({e.SqlState}).", e),
        NpgsqlException { InnerException: TimeoutException } e
            => new ContinuationStateTimeoutException("The statement exceeded the command timeout and was cancelled.", e),
        NpgsqlException { IsTransient: true } e
            => new ContinuationStateTransientException($"The database is unavailable: {e.Message}", e),
        PostgresException { SqlState: PostgresErrorCodes.ReadOnlySqlTransaction or PostgresErrorCodes.CrashShutdown } e
            => new ContinuationStateTransientException($"The server is not the primary now: {e.MessageText} ({e.SqlState}).", e),
        NpgsqlException e when e is not PostgresException && NoUsableHost(e)
            => new ContinuationStateTransientException($"No primary is reachable now: {e.Message}", e),
        _ => null,
    };

    // A multi-host data source (Host=a,b;Target Session Attributes=primary) that finds no primary throws a plain
    // NpgsqlException "No suitable host was found.": with no inner exception while every host answered but none was
    // the primary (a switchover or promotion in progress), or with an AggregateException of each host's failure
    // (all down or refusing). Both are a failover in progress, not a bug; a wrong password or TLS setting is not
    // (its inner failures are not transient), so it is not retried forever.
    private static bool NoUsableHost(NpgsqlException e) => e.InnerException switch
    {
        null => true,
        AggregateException all => all.Flatten().InnerExceptions.All(IsTransientCause),
        _ => false,
    };

    private static bool IsTransientCause(Exception e) => e switch
    {
        NpgsqlException inner => inner.IsTransient || inner is PostgresException { SqlState: PostgresErrorCodes.ReadOnlySqlTransaction or PostgresErrorCodes.CrashShutdown },
        IOException or System.Net.Sockets.SocketException or TimeoutException => true,
        _ => false,
    };
}
