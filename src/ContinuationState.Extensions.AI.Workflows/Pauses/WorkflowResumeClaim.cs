namespace ContinuationState.Extensions.AI.Workflows;

/// <summary>The answer to <see cref="WorkflowContinuationExtensions.ClaimWorkflowPauseAsync"/>: a <see cref="ResumeClaim"/>, typed.</summary>
public sealed class WorkflowResumeClaim
{
    internal WorkflowResumeClaim(ResumeClaim claim)
    {
        Claim = claim;
        Pause = claim.State is { } state ? new ClaimedWorkflowPause(state) : null;
    }

    /// <summary>What the claim found.</summary>
    public ResumeClaimStatus Status => Claim.Status;

    /// <summary>The claimed pause; only when <see cref="Status"/> is <see cref="ResumeClaimStatus.Claimed"/>.</summary>
    public ClaimedWorkflowPause? Pause { get; }

    /// <summary>The underlying claim: its receipt, claim time and message.</summary>
    public ResumeClaim Claim { get; }
}
