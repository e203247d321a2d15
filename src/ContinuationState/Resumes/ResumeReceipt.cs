using System.Text.Json;

namespace ContinuationState;

/// <summary>Proof that a resume completed, kept for <see cref="ContinuationStateOptions.ReceiptRetention"/>.</summary>
/// <param name="ConversationId">The conversation's UUID.</param>
/// <param name="UserId">The user whose resume it was.</param>
/// <param name="ResumeId">The resume id (idempotency key) it ran under.</param>
/// <param name="CompletedAt">When it completed, by the database clock.</param>
/// <param name="Outcome">The small document the host recorded on completion (e.g. the answer message's id), if any.</param>
public sealed record ResumeReceipt(Guid ConversationId, string UserId, string ResumeId, DateTimeOffset CompletedAt, JsonElement? Outcome);
