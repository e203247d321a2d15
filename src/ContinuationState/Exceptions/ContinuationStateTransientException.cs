namespace ContinuationState;

/// <summary>
/// The database could not be reached or dropped the operation (a restart, a failover, a broken connection).
/// The operation happened whole or not at all, but a connection lost after the commit hides which: a retried claim
/// may then answer "in progress" until the stale-claim revert, and a retried fenced delete or completion may answer
/// false. Reads, saves and releases are safe to retry. The connection pool recovers by itself.
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
