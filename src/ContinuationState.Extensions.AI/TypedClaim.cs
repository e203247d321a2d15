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
}
