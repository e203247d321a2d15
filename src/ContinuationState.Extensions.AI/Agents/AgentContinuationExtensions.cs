using ContinuationState.Internal;
using Microsoft.Agents.AI;

namespace ContinuationState.Extensions.AI.Agents;

/// <summary>
/// Agent Framework runs on <see cref="IContinuationService"/>. The framework serializes a session, pending approvals
/// included, but nothing in it is exactly-once: replaying one approval against a saved session runs the tool again.
/// These add the claim: save the pause, claim it once under the resume's idempotency key, finish fenced.
/// </summary>
public static class AgentContinuationExtensions
{
    /// <summary>Saves <paramref name="pause"/> as the conversation's pending state.</summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="agent">The agent that paused (its id and name are kept with the session).</param>
    /// <param name="pause">The paused run.</param>
    /// <param name="ttl">How long it stays resumable; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation id as given.</returns>
    public static Task<string> SaveAgentPauseAsync(this IContinuationService service, string conversationId, string userId, AIAgent agent, AgentPause pause, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(pause);
        return service.SaveStateAsync(conversationId, userId, AgentPauseSnapshot.From(pause, agent), ttl, cancellationToken);
    }

    /// <summary>Claims the conversation's agent pause under <paramref name="resumeId"/>: exactly one resume gets it.</summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="resumeId">The resume's idempotency key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claim, with the typed pause when this call won it.</returns>
    /// <exception cref="InvalidDataException">The pause was not saved as an Agent Framework pause (a chat pause, DocsGPT's, a workflow's, a later format): it is not claimed and stays exactly as it was.</exception>
    public static async Task<AgentResumeClaim> ClaimAgentPauseAsync(this IContinuationService service, string conversationId, string userId, string resumeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        return await FormatCheckedClaim.ClaimAsync(service, conversationId, userId, resumeId, AgentPauseSnapshot.Format, static claim => new AgentResumeClaim(claim), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends a resume: when <paramref name="response"/> stopped for the user again, the session (serialized now) and the
    /// new pause replace the claimed one in one fenced statement; otherwise the pause is deleted with its receipt.
    /// </summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="claimed">The claimed pause.</param>
    /// <param name="agent">The agent that resumed.</param>
    /// <param name="session">The restored session the agent ran with.</param>
    /// <param name="response">The agent's response.</param>
    /// <param name="outcome">The receipt's document; null for none.</param>
    /// <param name="ttl">A new pause's life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Completed, paused again, or fenced out (nothing changed).</returns>
    public static async Task<ChatResumeOutcome> FinishAgentResumeAsync(
        this IContinuationService service,
        ClaimedAgentPause claimed,
        AIAgent agent,
        AgentSession session,
        AgentResponse response,
        object? outcome = null,
        TimeSpan? ttl = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(claimed);
        ArgumentNullException.ThrowIfNull(agent);
        var pause = await AgentPause.CreateAsync(agent, session, response, cancellationToken).ConfigureAwait(false);
        var next = pause is null ? null : AgentPauseSnapshot.From(pause, agent);
        return await ResumeEnding.FinishAsync(service, claimed.State, next, outcome, ttl, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands a claimed agent pause back after a failed resume (fenced).</summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="claimed">The claimed pause.</param>
    /// <param name="ttl">The least remaining life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when the claim was released.</returns>
    public static Task<bool> ReleaseAgentPauseAsync(this IContinuationService service, ClaimedAgentPause claimed, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(claimed);
        return service.ReleaseClaimAsync(claimed.State, ttl, cancellationToken);
    }
}
