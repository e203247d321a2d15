namespace ContinuationState;

/// <summary>
/// The database could not be reached or dropped the operation (a restart, a failover, a broken connection).
/// The operation either happened whole or not at all, and retrying it later is safe; the connection pool
/// recovers by itself.
/// </summary>
public class ContinuationStateTransientException : ContinuationStateException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The driver's exception.</param>
    public ContinuationStateTransientException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
