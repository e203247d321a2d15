using ContinuationState.Internal;
using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI;

/// <summary>
/// Microsoft.Extensions.AI turns on <see cref="IContinuationService"/>: save the pause a response stopped at, claim it
/// exactly once under the resume's idempotency key, resume with the user's decisions bound to the stored requests,
/// and finish (completed, or paused again) with the fenced claim.
/// </summary>
public static class ChatContinuationExtensions
{
    /// <summary>Saves <paramref name="pause"/> as the conversation's pending state (an upsert, as <see cref="IContinuationService.SaveStateAsync"/>).</summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="pause">The paused turn.</param>
    /// <param name="ttl">How long it stays resumable; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The conversation id as given.</returns>
    public static Task<string> SaveChatPauseAsync(this IContinuationService service, string conversationId, string userId, ChatPause pause, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(pause);
        return service.SaveStateAsync(conversationId, userId, ChatPauseSnapshot.From(pause), ttl, cancellationToken);
    }

    /// <summary>
    /// Claims the conversation's pause under <paramref name="resumeId"/> (<see cref="IContinuationService.ClaimForResumeAsync(string, string, string, CancellationToken)"/>):
    /// of any number of concurrent or retried resumes, exactly one gets the pause; a retry after it finished gets the receipt.
    /// </summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner; another user's pause answers as not found.</param>
    /// <param name="resumeId">The resume's idempotency key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claim, with the typed pause when this call won it.</returns>
    /// <exception cref="InvalidDataException">The pause was not saved as a Microsoft.Extensions.AI chat pause (DocsGPT's, an agent's, a workflow's, a later format): it is not claimed and stays exactly as it was.</exception>
    public static async Task<ChatResumeClaim> ClaimChatPauseAsync(this IContinuationService service, string conversationId, string userId, string resumeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        return await FormatCheckedClaim.ClaimAsync(service, conversationId, userId, resumeId, ChatPauseSnapshot.Format, static claim => new ChatResumeClaim(claim), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Claims the conversation's pause without a resume id (<see cref="IContinuationService.ClaimStateAsync(string, string, CancellationToken)"/>, DocsGPT's
    /// behaviour): exactly one of concurrent claims wins; a retry is not recognised, so prefer the overload with a
    /// resume id for requests a client may repeat.
    /// </summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claimed pause, or null when there is nothing to claim.</returns>
    /// <exception cref="ResumeInProgressException">Another resume holds the claim.</exception>
    /// <exception cref="InvalidDataException">The pause was not saved as a Microsoft.Extensions.AI chat pause (DocsGPT's, an agent's, a workflow's, a later format): it is not claimed and stays exactly as it was.</exception>
    public static async Task<ClaimedChatPause?> ClaimChatPauseAsync(this IContinuationService service, string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        return await FormatCheckedClaim.ClaimAsync(service, conversationId, userId, ChatPauseSnapshot.Format, static s => new ClaimedChatPause(s), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends a resume: when <paramref name="response"/> stopped for the user again, the new pause replaces the claimed one
    /// in one fenced statement (<see cref="IContinuationService.CompleteAndPauseAgainAsync"/>); otherwise the pause is
    /// deleted and the receipt written (<see cref="IContinuationService.CompleteResumeAsync"/>).
    /// </summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="claimed">The claimed pause.</param>
    /// <param name="resumeMessages">The messages the resume called the chat client with.</param>
    /// <param name="response">The chat client's response.</param>
    /// <param name="options">The options the resume ran with (their tools are saved with a new pause); the stored ones when null.</param>
    /// <param name="outcome">The receipt's document (e.g. the answer's message id); null for none.</param>
    /// <param name="ttl">A new pause's life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Completed, paused again, or fenced out (the claim was no longer current; nothing changed).</returns>
    public static async Task<ChatResumeOutcome> FinishChatResumeAsync(
        this IContinuationService service,
        ClaimedChatPause claimed,
        IEnumerable<ChatMessage> resumeMessages,
        ChatResponse response,
        ChatOptions? options = null,
        object? outcome = null,
        TimeSpan? ttl = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(claimed);
        var next = ChatPause.TryCreate(resumeMessages, response, options ?? claimed.Options, out var pause) ? ChatPauseSnapshot.From(pause) : null;
        return await ResumeEnding.FinishAsync(service, claimed.State, next, outcome, ttl, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hands a claimed pause back after a failed resume (fenced: only while the claim is current).</summary>
    /// <param name="service">The continuation service.</param>
    /// <param name="claimed">The claimed pause.</param>
    /// <param name="ttl">The least remaining life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation; pass <see cref="CancellationToken.None"/> when the client hung up.</param>
    /// <returns>True when the claim was released.</returns>
    public static Task<bool> ReleaseChatPauseAsync(this IContinuationService service, ClaimedChatPause claimed, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(claimed);
        return service.ReleaseClaimAsync(claimed.State, ttl, cancellationToken);
    }
}
