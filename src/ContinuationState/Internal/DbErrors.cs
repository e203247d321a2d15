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
        _ => null,
    };
}
