namespace ContinuationState;

/// <summary>
/// Base type of every exception ContinuationState throws on purpose, so a host can catch the library's
/// failures in one place. Each derived type means one thing a caller can act on.
/// </summary>
public class ContinuationStateException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public ContinuationStateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The underlying failure.</param>
    public ContinuationStateException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
