namespace ContinuationState;

/// <summary>What a claim asks for beyond the conversation and user: its own token, and the format the pause must have.</summary>
public sealed class ClaimOptions
{
    /// <summary>
    /// The claim's token, chosen by the caller (a new <see cref="Guid"/> per resume attempt): a retry that lost the
    /// answer gets the same claim again (see
    /// <see cref="IContinuationService.ClaimForResumeAsync(string, string, string, Guid, CancellationToken)"/>). Only for
    /// claims under a resume id; null to let the database choose one.
    /// </summary>
    public Guid? ClaimToken { get; init; }

    /// <summary>
    /// The format the pause must have been saved in: the string member <c>format</c> of its <c>agent_config</c> part
    /// (the Microsoft.Extensions.AI integration writes <c>microsoft.extensions.ai</c>, its agents
    /// <c>microsoft.agents.ai</c>; DocsGPT's rows have none). A live pause of another format, or of none, is not claimed:
    /// the claim throws <see cref="StateFormatMismatchException"/> and the row stays exactly as it was. Null claims any.
    /// </summary>
    public string? RequiredFormat { get; init; }
}
