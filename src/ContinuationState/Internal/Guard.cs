namespace ContinuationState.Internal;

/// <summary>Argument checks shared by the repositories and the service; each names what was wrong.</summary>
internal static class Guard
{
    /// <summary>
    /// Longer user ids are refused: a btree index entry holds at most about 2.7 kB, and a user id that long is
    /// a bug or an attack, not a user.
    /// </summary>
    public const int MaxUserIdLength = 512;

    /// <summary>A TTL longer than this is a unit mistake (milliseconds passed as seconds, say).</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(365);

    public static void UserId(string userId, string parameterName = "userId") => Id(userId, "User id", MaxUserIdLength, parameterName);

    /// <summary>A resume id is an idempotency key, not a payload.</summary>
    public const int MaxResumeIdLength = 200;

    public static void ResumeId(string resumeId, string parameterName = "resumeId") => Id(resumeId, "Resume id", MaxResumeIdLength, parameterName);

    /// <summary>
    /// An id bound as text and indexed: not blank, at most <paramref name="maxLength"/> characters (an index entry is
    /// capped), and <see cref="StorableText"/>.
    /// </summary>
    public static void Id(string id, string what, int maxLength, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id, parameterName);
        if (id.Length > maxLength)
        {
            throw new ArgumentException($"{what} is {id.Length} characters long; at most {maxLength} are allowed.", parameterName);
        }

        StorableText(id, what, parameterName);
    }

    /// <summary>A caller-chosen claim token: <see cref="Guid.Empty"/> is what a forgotten initialisation looks like.</summary>
    public static void ClaimToken(Guid claimToken, string parameterName = "claimToken")
    {
        if (claimToken == Guid.Empty)
        {
            throw new ArgumentException("Claim token must not be Guid.Empty: choose one with Guid.NewGuid() per claim attempt.", parameterName);
        }
    }

    /// <summary>A required format is compared with <c>agent_config ->> 'format'</c>: when given, storable text.</summary>
    public static void Format(string? format, string parameterName = "options")
    {
        if (format is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(format, parameterName);
            StorableText(format, "Required format", parameterName);
        }
    }

    /// <summary>
    /// Refuses what PostgreSQL text cannot hold: U+0000 (the server refuses it) and a lone UTF-16 surrogate (it has no
    /// UTF-8 form, so the driver's encoder would throw from inside parameter binding). Checked before a connection is
    /// taken, so nothing is sent.
    /// </summary>
    /// <param name="text">The value to be bound as text.</param>
    /// <param name="what">What the value is, for the message ("User id").</param>
    /// <param name="parameterName">The caller's parameter.</param>
    public static void StorableText(string text, string what, string parameterName)
    {
        var at = UnstorableText.IndexOf(text);
        if (at >= 0)
        {
            throw new ArgumentException(
                text[at] == '\0'
                    ? $"{what} must not contain U+0000 (found at index {at}); PostgreSQL text cannot hold it."
                    : $"{what} contains a lone UTF-16 surrogate (U+{(int)text[at]:X4}) at index {at}; PostgreSQL text cannot hold it.",
                parameterName);
        }
    }

    /// <summary>Hostile ids can be huge: a message names one by its first 64 characters (null as empty).</summary>
    public static string Shorten(string? id) => id is null ? "" : id.Length <= 64 ? id : string.Concat(id.AsSpan(0, 64), "…");

    public static void ConversationId(string conversationId, string parameterName = "conversationId")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(conversationId, parameterName);
    }

    public static double Ttl(TimeSpan ttl, string parameterName)
    {
        if (ttl <= TimeSpan.Zero || ttl > MaxTtl)
        {
            throw new ArgumentOutOfRangeException(parameterName, ttl, $"A TTL must be positive and at most {MaxTtl.TotalDays} days.");
        }

        return ttl.TotalSeconds;
    }

    public static double NonNegative(TimeSpan value, string parameterName)
    {
        if (value < TimeSpan.Zero || value > MaxTtl)
        {
            throw new ArgumentOutOfRangeException(parameterName, value, $"Must be between zero and {MaxTtl.TotalDays} days.");
        }

        return value.TotalSeconds;
    }
}
