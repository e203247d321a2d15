namespace ContinuationState.Extensions.AI;

/// <summary>How a claimed chat or agent resume ends (its claim is the core's <c>FormatCheckedClaim</c>).</summary>
internal static class ResumeEnding
{
    /// <summary>
    /// Ends a claimed resume: the next pause replaces the claimed one when there is one; else the claim completes, with
    /// its receipt when it was taken under a resume id, by a fenced delete when not.
    /// </summary>
    public static async Task<ChatResumeOutcome> FinishAsync(IContinuationService service, PendingToolState claimed, ContinuationSnapshot? nextPause, object? outcome, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        if (nextPause is not null)
        {
            return await service.CompleteAndPauseAgainAsync(claimed, nextPause, outcome, ttl, cancellationToken).ConfigureAwait(false)
                ? ChatResumeOutcome.PausedAgain
                : ChatResumeOutcome.FencedOut;
        }

        var completed = claimed.ResumeId is null
            ? await service.DeleteStateAsync(claimed, cancellationToken).ConfigureAwait(false)
            : await service.CompleteResumeAsync(claimed, outcome, cancellationToken).ConfigureAwait(false);
        return completed ? ChatResumeOutcome.Completed : ChatResumeOutcome.FencedOut;
    }
}
