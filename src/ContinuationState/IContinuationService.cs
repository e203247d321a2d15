namespace ContinuationState;

/// <summary>
/// Saves, loads, claims, releases and deletes the paused tool-call state of a conversation. Conversation ids may
/// be canonical UUIDs or legacy MongoDB ObjectIds (resolved through <c>conversations.legacy_mongo_id</c>). Every
/// operation is scoped to one user: another user's state is never read, claimed, released or deleted.
/// </summary>
public interface IContinuationService
{
    /// <summary>
    /// Creates the conversation <paramref name="conversationId"/> for <paramref name="userId"/> unless it already is
    /// theirs: what a host calls before the first save, with the UUID it chose. Idempotent, so a retry after a lost
    /// answer is a no-op, never a second conversation. One round trip; the same typed errors as every operation
    /// (<see cref="ContinuationStateTransientException"/> during a failover, so it can be retried as is).
    /// </summary>
    /// <param name="conversationId">A canonical UUID the host chose (legacy ids are resolved, never created).</param>
    /// <param name="userId">The owner.</param>
    /// <param name="name">A display name for a new conversation; an existing one keeps its own.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when this call created it; false when it already was the user's.</returns>
    /// <exception cref="InvalidConversationIdException">The id is not a canonical UUID.</exception>
    /// <exception cref="ConversationIdTakenException">The id belongs to another user's conversation; nothing was written.</exception>
    Task<bool> EnsureConversationAsync(string conversationId, string userId, string? name = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves (upserts) the state. A re-save replaces every part, resets the status to pending, clears any claim,
    /// and restamps <c>created_at</c> and <c>expires_at</c> (database clock + TTL).
    /// </summary>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="snapshot">The state to save.</param>
    /// <param name="ttl">How long it stays loadable; <see cref="ContinuationStateOptions.DefaultTtl"/> (30 minutes) when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><paramref name="conversationId"/> as given.</returns>
    /// <exception cref="InvalidConversationIdException">The id is neither a UUID nor a known legacy id.</exception>
    /// <exception cref="ConversationNotFoundException">No conversation has that id.</exception>
    /// <exception cref="ContinuationJsonException">A value cannot be stored as jsonb; nothing was written.</exception>
    /// <exception cref="StateTooLargeException">The state's JSON exceeds the limit; nothing was written.</exception>
    Task<string> SaveStateAsync(string conversationId, string userId, ContinuationSnapshot snapshot, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Loads the live state (pending, not expired by the database clock).</summary>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The state, or null when there is none, it expired, it is claimed, or the id is unresolvable.</returns>
    Task<PendingToolState?> LoadStateAsync(string conversationId, string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically claims live pending state for a resume and returns it; of concurrent claims exactly one wins.
    /// Delete the state when the resume succeeds, release the claim when it fails.
    /// </summary>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claimed state, or null when nothing is claimable (no state, expired, or an unresolvable id).</returns>
    /// <exception cref="ResumeInProgressException">Another resume holds the claim.</exception>
    Task<PendingToolState?> ClaimStateAsync(string conversationId, string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="ClaimStateAsync(string, string, CancellationToken)"/> with conditions: a pause not of
    /// <see cref="ClaimOptions.RequiredFormat"/> is not claimed (nothing changes) and throws.
    /// </summary>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="options">The claim's conditions; <see cref="ClaimOptions.ClaimToken"/> must be null (a keyless claim has no retry to recognise).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The claimed state, or null when nothing is claimable.</returns>
    /// <exception cref="ResumeInProgressException">Another resume holds the claim.</exception>
    /// <exception cref="StateFormatMismatchException">The live pause is of another format; it was not claimed.</exception>
    Task<PendingToolState?> ClaimStateAsync(string conversationId, string userId, ClaimOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Idempotent claim: claims live pending state under <paramref name="resumeId"/>, the caller's idempotency key
    /// (e.g. an HTTP <c>Idempotency-Key</c>), or tells a retry of that resume what it should know. Every expected case
    /// is a <see cref="ResumeClaimStatus"/>, not an exception: claimed (the state and its claim token), in progress
    /// under this same id (when it was claimed; no token), in progress under another resume (DocsGPT's 409),
    /// completed (the first run's receipt), or not found. Finish with <see cref="CompleteResumeAsync"/>.
    /// </summary>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner; another user's conversation answers exactly as "not found".</param>
    /// <param name="resumeId">The resume's idempotency key: non-empty, at most 200 characters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The outcome.</returns>
    Task<ResumeClaim> ClaimForResumeAsync(string conversationId, string userId, string resumeId, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="ClaimForResumeAsync(string, string, string, CancellationToken)"/> with a claim token the caller chose
    /// (a new <see cref="Guid"/> per resume attempt, kept until the claim has an answer). When the answer to a claim is
    /// lost (a failover, a timeout, a dropped connection) and the caller retries with the same resume id and token, it
    /// gets the same claim again (<see cref="ResumeClaimStatus.Claimed"/> with the state, its tools not yet run) instead
    /// of "in progress" until <see cref="ContinuationStateOptions.StaleClaimGrace"/> passes. Any other caller, and the
    /// same resume id with another token, still sees the claim as in progress, so the tools never run twice.
    /// </summary>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner; another user's conversation answers exactly as "not found".</param>
    /// <param name="resumeId">The resume's idempotency key: non-empty, at most 200 characters.</param>
    /// <param name="claimToken">The claim's token; not <see cref="Guid.Empty"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The outcome.</returns>
    Task<ResumeClaim> ClaimForResumeAsync(string conversationId, string userId, string resumeId, Guid claimToken, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="ClaimForResumeAsync(string, string, string, CancellationToken)"/> with conditions: the caller's claim
    /// token (<see cref="ClaimOptions.ClaimToken"/>), and the format the pause must have
    /// (<see cref="ClaimOptions.RequiredFormat"/>: a pause of another format is not claimed, nothing changes, and the
    /// claim throws). A receipt or a claim in progress answers as usual, whatever the format.
    /// </summary>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner; another user's conversation answers exactly as "not found".</param>
    /// <param name="resumeId">The resume's idempotency key: non-empty, at most 200 characters.</param>
    /// <param name="options">The claim's conditions.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="StateFormatMismatchException">The live pause is of another format; it was not claimed.</exception>
    Task<ResumeClaim> ClaimForResumeAsync(string conversationId, string userId, string resumeId, ClaimOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Completes a resume claimed with <see cref="ClaimForResumeAsync(string, string, string, CancellationToken)"/>: deletes the state and records a receipt with
    /// <paramref name="outcome"/> in one statement, only while the claim is still current. Retries of the same resume id
    /// then get the receipt for <see cref="ContinuationStateOptions.ReceiptRetention"/>. A resume that pauses again
    /// finishes with <see cref="CompleteAndPauseAgainAsync"/> instead.
    /// </summary>
    /// <param name="claimed">The state the claim returned.</param>
    /// <param name="outcome">A small document the host chooses (e.g. the answer message's id); null for none.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when the resume completed; false when the claim is no longer current (nothing changed).</returns>
    /// <exception cref="ArgumentException"><paramref name="claimed"/> was not claimed under a resume id.</exception>
    Task<bool> CompleteResumeAsync(PendingToolState claimed, object? outcome = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Finishes a resume that paused again (the agent called another tool that needs approval): completes the claim
    /// and saves <paramref name="nextPause"/> as the conversation's new pause in one fenced statement, only while the claim
    /// is still current. There is never a moment with no state or with two; a claim taken under a resume id gets its
    /// receipt (with <paramref name="outcome"/>), so a retry of that id gets <see cref="ResumeClaimStatus.Completed"/>
    /// and never approves the new pause. Works for plain claims (<see cref="ClaimStateAsync(string, string, CancellationToken)"/>) too.
    /// </summary>
    /// <param name="claimed">The state the claim returned.</param>
    /// <param name="nextPause">The new pause.</param>
    /// <param name="outcome">The receipt's document, for a claim under a resume id; null for none.</param>
    /// <param name="ttl">The new pause's life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when the new pause was saved; false when the claim is no longer current (nothing changed).</returns>
    /// <exception cref="ArgumentException"><paramref name="claimed"/> did not come from a claim.</exception>
    /// <exception cref="ContinuationJsonException">A value of <paramref name="nextPause"/> cannot be stored; nothing was written.</exception>
    /// <exception cref="StateTooLargeException">The new pause or the outcome exceeds its limit; nothing was written.</exception>
    Task<bool> CompleteAndPauseAgainAsync(PendingToolState claimed, ContinuationSnapshot nextPause, object? outcome = null, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes resume receipts older than <see cref="ContinuationStateOptions.ReceiptRetention"/>.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many receipts were deleted.</returns>
    Task<int> PurgeExpiredReceiptsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Hands a claim back after a failed resume so the user can retry: the state becomes pending again with at
    /// least <paramref name="ttl"/> to live (a longer remaining TTL is kept).
    /// </summary>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="ttl">The least remaining life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when a claim was released; false when the state is not claimed, absent, or the id is unresolvable.</returns>
    Task<bool> ReleaseClaimAsync(string conversationId, string userId, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes the state (after a successful resume).</summary>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when a row was deleted.</returns>
    Task<bool> DeleteStateAsync(string conversationId, string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fenced release: hands back the claim that returned <paramref name="claimed"/>, only while it is still the current
    /// claim (not reverted as stale, re-taken, or overwritten by a new save). One round trip, whatever the id's kind.
    /// </summary>
    /// <param name="claimed">The state <see cref="ClaimStateAsync(string, string, CancellationToken)"/> returned.</param>
    /// <param name="ttl">The least remaining life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when the claim was released; false when it is no longer the current claim.</returns>
    /// <exception cref="ArgumentException"><paramref name="claimed"/> did not come from a claim.</exception>
    Task<bool> ReleaseClaimAsync(PendingToolState claimed, TimeSpan? ttl = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fenced delete: deletes the state after a successful resume, only while the claim that returned
    /// <paramref name="claimed"/> is still the current one, so a worker that stalled past the grace period cannot
    /// delete the state a later resume saved. One round trip, whatever the id's kind.
    /// </summary>
    /// <param name="claimed">The state <see cref="ClaimStateAsync(string, string, CancellationToken)"/> returned.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when the row was deleted; false when the claim is no longer the current one.</returns>
    /// <exception cref="ArgumentException"><paramref name="claimed"/> did not come from a claim.</exception>
    Task<bool> DeleteStateAsync(PendingToolState claimed, CancellationToken cancellationToken = default);

    /// <summary>Flips live pending state to resuming without returning it (DocsGPT's <c>mark_resuming</c>).</summary>
    /// <param name="conversationId">A canonical UUID or a legacy MongoDB ObjectId.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when the state was flipped.</returns>
    Task<bool> MarkResumingAsync(string conversationId, string userId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reverts claims abandoned by crashed workers: resuming rows claimed more than <paramref name="grace"/> ago go
    /// back to pending with a fresh TTL (never shortened).
    /// </summary>
    /// <param name="grace">How old a claim must be; <see cref="ContinuationStateOptions.StaleClaimGrace"/> (10 minutes) when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many claims were reverted.</returns>
    Task<int> RevertStaleResumingAsync(TimeSpan? grace = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes every expired state.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>For each deleted state its conversation id, user id and agent config.</returns>
    Task<IReadOnlyList<PurgedState>> PurgeExpiredAsync(CancellationToken cancellationToken = default);
}
