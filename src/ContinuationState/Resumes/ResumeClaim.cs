namespace ContinuationState;

/// <summary>The answer to a claim under a resume id.</summary>
public sealed class ResumeClaim
{
    private ResumeClaim(ResumeClaimStatus status, PendingToolState? state, DateTimeOffset? claimedAt, ResumeReceipt? receipt)
    {
        Status = status;
        State = state;
        ClaimedAt = claimedAt;
        Receipt = receipt;
    }

    /// <summary>What the claim found.</summary>
    public ResumeClaimStatus Status { get; }

    /// <summary>The claimed state, with its claim token; only when <see cref="Status"/> is <see cref="ResumeClaimStatus.Claimed"/>.</summary>
    public PendingToolState? State { get; }

    /// <summary>
    /// When the running claim was taken: for <see cref="ResumeClaimStatus.Claimed"/> and
    /// <see cref="ResumeClaimStatus.InProgress"/>.
    /// </summary>
    public DateTimeOffset? ClaimedAt { get; }

    /// <summary>The first run's receipt; only when <see cref="Status"/> is <see cref="ResumeClaimStatus.Completed"/>.</summary>
    public ResumeReceipt? Receipt { get; }

    /// <summary>
    /// The message to show for <see cref="ResumeClaimStatus.InProgressByAnotherResume"/>:
    /// <see cref="ResumeInProgressException.DefaultMessage"/>; null otherwise.
    /// </summary>
    public string? Message => Status == ResumeClaimStatus.InProgressByAnotherResume ? ResumeInProgressException.DefaultMessage : null;

    internal static ResumeClaim Claimed(PendingToolState state) => new(ResumeClaimStatus.Claimed, state, state.ResumedAt, null);

    internal static ResumeClaim InProgress(DateTimeOffset? claimedAt) => new(ResumeClaimStatus.InProgress, null, claimedAt, null);

    internal static ResumeClaim InProgressByAnotherResume() => new(ResumeClaimStatus.InProgressByAnotherResume, null, null, null);

    internal static ResumeClaim Completed(ResumeReceipt receipt) => new(ResumeClaimStatus.Completed, null, null, receipt);

    internal static ResumeClaim NotFound() => new(ResumeClaimStatus.NotFound, null, null, null);
}
