namespace ContinuationState.Serialization;

/// <summary>
/// What <see cref="ContinuationJson"/> does with U+0000 in a string or an object key. PostgreSQL <c>jsonb</c>
/// cannot store it (neither raw nor as the escape <c>\u0000</c>), so the value has to be refused or altered.
/// </summary>
public enum NulCharacterPolicy
{
    /// <summary>
    /// Throw <see cref="ContinuationJsonException"/> naming the path of the string or key. The default: stored
    /// state is never silently different from what the caller passed.
    /// </summary>
    Reject = 0,

    /// <summary>Remove every U+0000 and keep the rest of the text.</summary>
    Strip = 1,
}
