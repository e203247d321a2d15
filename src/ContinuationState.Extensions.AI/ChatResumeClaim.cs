namespace ContinuationState.Extensions.AI;

/// <summary>The answer to <see cref="ChatContinuationExtensions.ClaimChatPauseAsync"/>: a <see cref="ResumeClaim"/>, typed.</summary>
public sealed class ChatResumeClaim
{
    internal ChatResumeClaim(ResumeClaim claim)
    {
        Claim = claim;
        Pause = claim.State is { } state ? new ClaimedChatPause(state) : null;
    }

    /// <summary>What the claim found (claimed, in progress, completed with a receipt, held by another resume, not found).</summary>
    public ResumeClaimStatus Status => Claim.Status;

    /// <summary>The claimed pause; only when <see cref="Status"/> is <see cref="ResumeClaimStatus.Claimed"/>.</summary>
    public ClaimedChatPause? Pause { get; }

    /// <summary>The underlying claim: its receipt, claim time and message.</summary>
    public ResumeClaim Claim { get; }
}
