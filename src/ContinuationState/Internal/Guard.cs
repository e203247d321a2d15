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

    public static void UserId(string userId, string parameterName = "userId")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId, parameterName);
        if (userId.Length > MaxUserIdLength)
        {
            throw new ArgumentException($"User id is {userId.Length} characters long; at most {MaxUserIdLength} are allowed.", parameterName);
        }

        // PostgreSQL text cannot hold U+0000; refuse it here rather than fail in the server.
        if (userId.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("User id must not contain U+0000.", parameterName);
        }
    }

    /// <summary>A resume id is an idempotency key, not a payload.</summary>
    public const int MaxResumeIdLength = 200;

    public static void ResumeId(string resumeId, string parameterName = "resumeId")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resumeId, parameterName);
        if (resumeId.Length > MaxResumeIdLength)
        {
            throw new ArgumentException($"Resume id is {resumeId.Length} characters long; at most {MaxResumeIdLength} are allowed.", parameterName);
        }

        if (resumeId.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("Resume id must not contain U+0000.", parameterName);
        }
    }

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
