namespace ContinuationState;

/// <summary>
/// A claim that named a format (<see cref="ClaimOptions.RequiredFormat"/>) found a live pause saved in another one, or
/// in none (a DocsGPT row): it was not claimed, and the row is exactly as it was.
/// </summary>
public sealed class StateFormatMismatchException : ContinuationStateException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="requiredFormat">The format the claim asked for.</param>
    /// <param name="foundFormat">The stored <c>agent_config.format</c>, or null when it has none.</param>
    public StateFormatMismatchException(string requiredFormat, string? foundFormat)
        : base(foundFormat is null
            ? $"The pause was saved without a format (agent_config has no \"format\" string, as DocsGPT saves it), not as '{requiredFormat}'; it was not claimed."
            : $"The pause was saved as '{foundFormat}', not as '{requiredFormat}'; it was not claimed.")
    {
        RequiredFormat = requiredFormat;
        FoundFormat = foundFormat;
    }

    /// <summary>The format the claim asked for.</summary>
    public string RequiredFormat { get; }

    /// <summary>The stored format (<c>agent_config.format</c>), or null when the pause has none.</summary>
    public string? FoundFormat { get; }
}
