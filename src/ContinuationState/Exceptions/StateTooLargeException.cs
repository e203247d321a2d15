namespace ContinuationState;

/// <summary>
/// The serialized state is larger than <c>ContinuationStateOptions.Json.MaxBytes</c> (or a receipt's outcome larger than
/// <c>ContinuationStateOptions.MaxReceiptOutcomeBytes</c>). Thrown before anything is sent to the database.
/// </summary>
public sealed class StateTooLargeException : ContinuationStateException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="limitBytes">The configured limit in bytes.</param>
    /// <param name="jsonPath">Where serialization crossed the limit.</param>
    public StateTooLargeException(long limitBytes, string jsonPath)
        : base($"The continuation state exceeds the limit of {limitBytes} bytes of JSON (crossed at {jsonPath}).")
    {
        LimitBytes = limitBytes;
        JsonPath = jsonPath;
    }

    /// <summary>The configured limit in bytes.</summary>
    public long LimitBytes { get; }

    /// <summary>The JSON path at which serialization crossed the limit.</summary>
    public string JsonPath { get; }
}
