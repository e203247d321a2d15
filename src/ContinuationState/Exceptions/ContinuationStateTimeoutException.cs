namespace ContinuationState;

/// <summary>
/// A statement ran longer than the command timeout (<see cref="ContinuationStateOptions.CommandTimeout"/>) or the
/// server's <c>statement_timeout</c> / <c>lock_timeout</c>, and was cancelled; nothing it would have changed was
/// changed.
/// </summary>
public sealed class ContinuationStateTimeoutException : ContinuationStateTransientException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What timed out.</param>
    /// <param name="innerException">The driver's exception.</param>
    public ContinuationStateTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
