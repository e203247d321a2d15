namespace ContinuationState.Serialization;

/// <summary>
/// The bytes of JSON that the columns of one saved state may still use. One budget is shared by every column of a
/// row, so the limit applies to the state as a whole, not to each column separately.
/// </summary>
internal sealed class ContinuationJsonBudget
{
    /// <summary>Creates a budget of <paramref name="maxBytes"/> bytes.</summary>
    /// <param name="maxBytes">The limit, positive.</param>
    public ContinuationJsonBudget(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        LimitBytes = maxBytes;
        Remaining = maxBytes;
    }

    /// <summary>The limit the budget started with; reported by <see cref="StateTooLargeException"/>.</summary>
    public long LimitBytes { get; }

    /// <summary>Bytes still available.</summary>
    public long Remaining { get; private set; }

    /// <summary>Spends bytes a column has written; the writer has already checked they fit.</summary>
    public void Spend(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, Remaining);
        Remaining -= bytes;
    }
}
