using System.Data;
using System.Data.Common;
using ContinuationState.Internal;
using ContinuationState.Serialization;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace ContinuationState;

/// <summary>Idempotent resume: claims under a resume id, completion with a receipt.</summary>
public sealed partial class PendingToolStateRepository
{
    /// <summary>
    /// Claims live pending state under <paramref name="resumeId"/>, the caller's idempotency key, or tells what a
    /// retry of that resume should know: still running, already completed (with its receipt), held by another
    /// resume, or nothing there. One round trip.
    /// </summary>
    /// <param name="conversationId">The conversation's UUID.</param>
    /// <param name="userId">The owner; another user's state or receipt is never seen.</param>
    /// <param name="resumeId">The resume's idempotency key: at most 200 characters.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The outcome; the state and its claim token only when this call took the claim.</returns>
    public Task<ResumeClaim> ClaimForResumeAsync(Guid conversationId, string userId, string resumeId, CancellationToken cancellationToken = default)
    {
        Guard.UserId(userId);
        Guard.ResumeId(resumeId);
        return ClaimForResumeAsync(ConversationReference.ForUuid(conversationId), userId, resumeId, null, null, cancellationToken);
    }

    /// <summary>
    /// The same, with a claim token the caller chose (a new <see cref="Guid"/> per attempt, kept until it has an answer):
    /// when the answer to a claim is lost (a failover, a timeout) and the caller retries with the same resume id and
    /// token, it gets the same claim again, <see cref="ResumeClaimStatus.Claimed"/> with the state, instead of waiting
    /// out <see cref="ContinuationStateOptions.StaleClaimGrace"/>. Any other caller still sees the claim as in progress.
    /// </summary>
    /// <param name="conversationId">The conversation's UUID.</param>
    /// <param name="userId">The owner.</param>
    /// <param name="resumeId">The resume's idempotency key: at most 200 characters.</param>
    /// <param name="claimToken">The claim's token, chosen by the caller; not <see cref="Guid.Empty"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The outcome; the state and its claim token when this call took the claim or took it before.</returns>
    public Task<ResumeClaim> ClaimForResumeAsync(Guid conversationId, string userId, string resumeId, Guid claimToken, CancellationToken cancellationToken = default)
    {
        Guard.UserId(userId);
        Guard.ResumeId(resumeId);
        Guard.ClaimToken(claimToken);
        return ClaimForResumeAsync(ConversationReference.ForUuid(conversationId), userId, resumeId, claimToken, null, cancellationToken);
    }

    internal Task<ResumeClaim> ClaimForResumeAsync(ConversationReference conversation, string userId, string resumeId, Guid? claimToken, string? requiredFormat, CancellationToken cancellationToken)
    {
        var command = StateCommand(conversation.IsLegacy ? _resumeSql.ClaimByLegacyId : _resumeSql.Claim, conversation, userId);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string>("resume_id", resumeId));
        parameters.Add(new NpgsqlParameter("claim_token", NpgsqlDbType.Uuid) { Value = claimToken is { } token ? token : DBNull.Value });
        StatementRunner.Text(parameters, "required_format", requiredFormat);
        parameters.Add(new NpgsqlParameter<double>("grace_seconds", _options.StaleClaimGrace.TotalSeconds));
        return DbErrors.Translated(ClaimForResumeCoreAsync(command, userId, resumeId, requiredFormat, cancellationToken));
    }

    /// <summary>
    /// Completes a resume claimed with <see cref="ClaimForResumeAsync(Guid, string, string, CancellationToken)"/>: deletes the state and turns its resume id
    /// into a receipt carrying <paramref name="outcome"/>, in one statement, only while the claim is still the
    /// current one. A retry of the same resume id then gets <see cref="ResumeClaimStatus.Completed"/> with the receipt.
    /// </summary>
    /// <param name="claimed">The state the claim returned.</param>
    /// <param name="outcome">A small document the host chooses (e.g. the answer message's id); null for none.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>True when the resume completed; false when the claim is no longer current (nothing changed).</returns>
    /// <exception cref="ArgumentException"><paramref name="claimed"/> was not claimed under a resume id.</exception>
    /// <exception cref="StateTooLargeException">The outcome exceeds <see cref="ContinuationStateOptions.MaxReceiptOutcomeBytes"/>.</exception>
    public Task<bool> CompleteResumeAsync(PendingToolState claimed, object? outcome = null, CancellationToken cancellationToken = default)
    {
        var parameters = Fence(claimed);
        if (claimed.ResumeId is null)
        {
            throw new ArgumentException("The state was not claimed under a resume id; complete it with DeleteStateAsync(claimed).", nameof(claimed));
        }

        AddReceipt(parameters, outcome);
        return DbErrors.Translated(CompleteCoreAsync(parameters, cancellationToken));
    }

    /// <summary>
    /// Completes the claim that returned <paramref name="claimed"/> and saves <paramref name="nextPause"/>, the resume's new
    /// pause, as one statement: the claimed row becomes the new pending state in place, and a resume id it was claimed
    /// under gets its receipt, so there is never a moment with no state or with two, and a retry of that resume id
    /// gets <see cref="ResumeClaimStatus.Completed"/>, never the new pause. Only while the claim is still current.
    /// </summary>
    /// <param name="claimed">The state a claim returned (plain or under a resume id).</param>
    /// <param name="nextPause">The new pause.</param>
    /// <param name="outcome">The receipt's document when claimed under a resume id; null for none.</param>
    /// <param name="ttl">The new pause's life; <see cref="ContinuationStateOptions.DefaultTtl"/> when null.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The new pause's row id and times; null when the claim is no longer current (nothing changed).</returns>
    /// <exception cref="ArgumentException"><paramref name="claimed"/> did not come from a claim.</exception>
    /// <exception cref="ContinuationJsonException">A value of <paramref name="nextPause"/> cannot be stored; nothing was sent.</exception>
    /// <exception cref="StateTooLargeException">The new pause or the outcome exceeds its limit; nothing was sent.</exception>
    public Task<SavedState?> CompleteAndPauseAgainAsync(PendingToolState claimed, ContinuationSnapshot nextPause, object? outcome = null, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        var parameters = Fence(claimed);
        ArgumentNullException.ThrowIfNull(nextPause);
        parameters.Add("ttl_seconds", Guard.Ttl(ttl ?? _options.DefaultTtl, nameof(ttl)));
        AddReceipt(parameters, outcome);
        return PauseAgainAsync(SnapshotParameters.Serialize(nextPause, _options.Json), parameters, cancellationToken);
    }

    private async Task<SavedState?> PauseAgainAsync(SnapshotParameters next, DynamicParameters parameters, CancellationToken cancellationToken)
    {
        using (next)
        {
            try
            {
                var row = await _connection.QuerySingleOrDefaultAsync<SavedRow>(Command(_resumeSql.PauseAgain, next.WithKeys(parameters), cancellationToken)).ConfigureAwait(false);
                return row is null ? null : new SavedState(row.id, row.created_at, row.expires_at);
            }
            catch (Exception e)
            {
                ThrowSendFailure(next, e);
                throw;
            }
        }
    }

    /// <summary>The receipt's parameters: the outcome, checked against its limit before anything is sent, and the retention.</summary>
    private void AddReceipt(DynamicParameters parameters, object? outcome)
    {
        var serialized = outcome is null
            ? null
            : ContinuationJson.SerializeColumn(outcome, "$.outcome", _options.Json, new ContinuationJsonBudget(_options.MaxReceiptOutcomeBytes));
        parameters.Add("outcome", new JsonbParameter(serialized));
        parameters.Add("retention_seconds", _options.ReceiptRetention.TotalSeconds);
    }

    /// <summary>Deletes receipts past their retention, and claim records a crashed host left running that long.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many receipts were deleted.</returns>
    public Task<int> PurgeExpiredReceiptsAsync(CancellationToken cancellationToken = default)
    {
        var parameters = new DynamicParameters();
        parameters.Add("retention_seconds", _options.ReceiptRetention.TotalSeconds);
        return DbErrors.Translated(_connection.ExecuteAsync(Command(_resumeSql.PurgeExpired, parameters, cancellationToken)));
    }

    private async Task<ResumeClaim> ClaimForResumeCoreAsync(NpgsqlCommand command, string userId, string resumeId, string? requiredFormat, CancellationToken cancellationToken)
    {
        await using var commandScope = command.ConfigureAwait(false);

        // Not sequential: the receipt's columns are read out of order.
        var reader = await ExecuteStateReaderAsync(command, CommandBehavior.SingleRow, cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);

        // Columns: 0 state status, 1 its resume id, 2 its claim time, 3 receipt status, 4 completed at, 5 outcome,
        // 6 the receipt's conversation (a legacy id's UUID, as the statement resolved it), 7 left alone for its format,
        // 8 that format, 9.. claimed state.
        if (!reader.IsDBNull(3) && reader.GetFieldValue<string>(3) == "completed")
        {
            var outcome = reader.IsDBNull(5) ? (System.Text.Json.JsonElement?)null : PendingToolStateReader.Json(reader, 5);
            return ResumeClaim.Completed(new ResumeReceipt(reader.GetFieldValue<Guid>(6), userId, resumeId, reader.GetFieldValue<DateTimeOffset>(4), outcome));
        }

        var otherFormat = !reader.IsDBNull(7) && reader.GetFieldValue<bool>(7);
        var format = Nullable(reader, 8);
        if (!reader.IsDBNull(9))
        {
            return ResumeClaim.Claimed(PendingToolStateReader.Read(reader, offset: 9));
        }

        if (otherFormat)
        {
            throw new StateFormatMismatchException(requiredFormat!, format);
        }

        if (!reader.IsDBNull(0) && reader.GetFieldValue<string>(0) == "resuming")
        {
            return string.Equals(Nullable(reader, 1), resumeId, StringComparison.Ordinal)
                ? ResumeClaim.InProgress(reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2))
                : ResumeClaim.InProgressByAnotherResume();
        }

        return ResumeClaim.NotFound();
    }

    private async Task<bool> CompleteCoreAsync(DynamicParameters parameters, CancellationToken cancellationToken)
    {
        var (deleted, _) = await _connection.QuerySingleAsync<(long Deleted, DateTime? CompletedAt)>(Command(_resumeSql.Complete, parameters, cancellationToken)).ConfigureAwait(false);
        return deleted > 0;
    }

    private static string? Nullable(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<string>(ordinal);
}
