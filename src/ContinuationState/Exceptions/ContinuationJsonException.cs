namespace ContinuationState;

/// <summary>
/// A value in the state cannot be stored as PostgreSQL <c>jsonb</c> (NaN or infinity, U+0000 under the
/// reject policy, a lone surrogate, a cycle, nesting too deep, a type the serializer cannot handle).
/// Nothing was written when this is thrown.
/// </summary>
public sealed class ContinuationJsonException : ContinuationStateException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="jsonPath">The JSON path of the offending value, e.g. <c>$.messages[2].content</c>.</param>
    /// <param name="message">What is wrong with the value.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public ContinuationJsonException(string jsonPath, string message, Exception? innerException = null)
        : base($"{message} (at {jsonPath})", innerException)
    {
        JsonPath = jsonPath;
    }

    /// <summary>The JSON path of the offending value, e.g. <c>$.messages[2].content</c>.</summary>
    public string JsonPath { get; }
}
