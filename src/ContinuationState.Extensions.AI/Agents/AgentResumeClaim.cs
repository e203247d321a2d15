namespace ContinuationState.Extensions.AI.Agents;

/// <summary>The answer to <see cref="AgentContinuationExtensions.ClaimAgentPauseAsync"/>: a <see cref="ResumeClaim"/>, typed.</summary>
public sealed class AgentResumeClaim
{
    internal AgentResumeClaim(ResumeClaim claim)
    {
        Claim = claim;
        Pause = claim.State is { } state ? new ClaimedAgentPause(state) : null;
    }

    /// <summary>What the claim found.</summary>
    public ResumeClaimStatus Status => Claim.Status;

    /// <summary>The claimed pause; only when <see cref="Status"/> is <see cref="ResumeClaimStatus.Claimed"/>.</summary>
    public ClaimedAgentPause? Pause { get; }

    /// <summary>The underlying claim: its receipt, claim time and message.</summary>
    public ResumeClaim Claim { get; }
}
