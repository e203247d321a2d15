namespace ContinuationState.Extensions.AI;

/// <summary>A claim under a resume id, read back as a typed pause.</summary>
internal static class TypedClaim
{
    public static async Task<T> ClaimAsync<T>(IContinuationService service, string conversationId, string userId, string resumeId, Func<ResumeClaim, T> read, CancellationToken cancellationToken)
    {
        var claim = await service.ClaimForResumeAsync(conversationId, userId, resumeId, cancellationToken).ConfigureAwait(false);
        try
        {
            return read(claim);
        }
        catch (InvalidDataException) when (claim.State is { } state)
        {
            // A pause this package cannot read is handed back untouched, not left claimed until the stale revert.
            await service.ReleaseClaimAsync(state, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Reads a state a keyless claim returned, handing it back if it is not a pause of this package.</summary>
    public static async Task<T> ReadAsync<T>(IContinuationService service, PendingToolState state, Func<PendingToolState, T> read)
    {
        try
        {
            return read(state);
        }
        catch (InvalidDataException)
        {
            await service.ReleaseClaimAsync(state, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Completes a claim: with its receipt when it was taken under a resume id, else by a fenced delete.</summary>
    public static Task<bool> CompleteAsync(IContinuationService service, PendingToolState claimed, object? outcome, CancellationToken cancellationToken)
        => claimed.ResumeId is null
            ? service.DeleteStateAsync(claimed, cancellationToken)
            : service.CompleteResumeAsync(claimed, outcome, cancellationToken);
}
