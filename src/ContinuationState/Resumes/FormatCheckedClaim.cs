namespace ContinuationState.Internal;

/// <summary>
/// A claim of a pause of one format, read back as the caller's typed pause: the packages' (chat, agent, workflow)
/// claims all start here. A pause of another format is never claimed and reads as <see cref="InvalidDataException"/>;
/// one the reader cannot read is handed back at once, not left claimed until the stale revert.
/// </summary>
internal static class FormatCheckedClaim
{
    public static async Task<T> ClaimAsync<T>(IContinuationService service, string conversationId, string userId, string resumeId, string format, Func<ResumeClaim, T> read, CancellationToken cancellationToken)
    {
        ResumeClaim claim;
        try
        {
            claim = await service.ClaimForResumeAsync(conversationId, userId, resumeId, new ClaimOptions { RequiredFormat = format }, cancellationToken).ConfigureAwait(false);
        }
        catch (StateFormatMismatchException e)
        {
            throw Foreign(e);
        }

        // Only a claim that holds a state has one to hand back; any other (a receipt, nothing there) is read as it is.
        return claim.State is { } state ? await ReadAsync(service, state, _ => read(claim)).ConfigureAwait(false) : read(claim);
    }

    /// <summary>A keyless claim of a pause of <paramref name="format"/>, read back typed; null when there is nothing to claim.</summary>
    public static async Task<T?> ClaimAsync<T>(IContinuationService service, string conversationId, string userId, string format, Func<PendingToolState, T> read, CancellationToken cancellationToken)
        where T : class
    {
        PendingToolState? state;
        try
        {
            state = await service.ClaimStateAsync(conversationId, userId, new ClaimOptions { RequiredFormat = format }, cancellationToken).ConfigureAwait(false);
        }
        catch (StateFormatMismatchException e)
        {
            throw Foreign(e);
        }

        return state is null ? null : await ReadAsync(service, state, read).ConfigureAwait(false);
    }

    /// <summary>A pause of another format, as this package reports it: <see cref="InvalidDataException"/>, the core's exception inside.</summary>
    private static InvalidDataException Foreign(StateFormatMismatchException e) => new(e.Message, e);

    /// <summary>Reads a claimed state, handing it back untouched if it is not a pause this package can read.</summary>
    private static async Task<T> ReadAsync<T>(IContinuationService service, PendingToolState state, Func<PendingToolState, T> read)
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
}
