namespace ContinuationState.Serialization;

/// <summary>
/// What <see cref="ContinuationJson"/> does with an unpaired UTF-16 surrogate (a high surrogate not followed by a
/// low one, or a low surrogate not preceded by a high one) in a string or an object key. Such text has no UTF-8
/// form, and PostgreSQL <c>jsonb</c> rejects it. A correctly paired surrogate (an emoji, say) is always kept.
/// </summary>
public enum LoneSurrogatePolicy
{
    /// <summary>Throw <see cref="ContinuationJsonException"/> naming the path of the string or key. The default.</summary>
    Reject = 0,

    /// <summary>Replace each unpaired surrogate with U+FFFD REPLACEMENT CHARACTER, as UTF-8 decoders do.</summary>
    Replace = 1,
}
