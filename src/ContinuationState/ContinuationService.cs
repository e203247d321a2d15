using System.Collections;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContinuationState.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState;

/// <summary>
/// The facade hosts call: runs one statement of <see cref="PendingToolStateRepository"/> on a connection from the data
/// source, one round trip per operation. A UUID is bound as is; a legacy id (24 hex digits) is resolved through
/// <c>conversations.legacy_mongo_id</c> inside that same statement, so it always names the conversation that holds it
/// now. An id that is neither costs no round trip. Each operation is traced and counted (see
/// <see cref="ContinuationStateInstrumentation"/>).
/// </summary>
public sealed class ContinuationService : IContinuationService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly LibraryDataSources? _own; // set when the library built the data source: statements run on its tuned one
    private readonly RegisteredDataSourcePreparation? _registered; // set when the host registered it: statements prepared explicitly
    private readonly ContinuationStateOptions _options;
    private readonly ILogger _logger;

    /// <summary>
    /// Creates the service on a data source the host built. The data source is used as it is; the service prepares its
    /// own statements explicitly where <see cref="ContinuationStateOptions.PrepareOnRegisteredDataSource"/> and
    /// <see cref="ContinuationStateOptions.ConnectionPooler"/> allow (pooled, not multiplexed, no pooler found).
    /// </summary>
    /// <param name="dataSource">Where connections come from.</param>
    /// <param name="options">The library's options.</param>
    /// <param name="logger">Receives one information line per save, claim, release, delete and mark.</param>
    public ContinuationService(NpgsqlDataSource dataSource, IOptions<ContinuationStateOptions> options, ILogger<ContinuationService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _options = options.Value;
        _ = QualifiedNames.For(_options.Schema);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _registered = new RegisteredDataSourcePreparation(dataSource, _options, _logger);
    }

    internal ContinuationService(LibraryDataSources own, IOptions<ContinuationStateOptions> options, ILogger<ContinuationService>? logger)
        : this(own.Shared, options, logger)
    {
        _own = own;
        _registered = null;
    }

    /// <inheritdoc />
    public async Task<bool> EnsureConversationAsync(string conversationId, string userId, string? name = null, CancellationToken cancellationToken = default)
    {
        Guard.ConversationId(conversationId);
        Guard.UserId(userId);
        if (name is not null)
        {
            Guard.StorableText(name, "Conversation name", nameof(name));
        }

        var reference = ConversationReference.Parse(conversationId);
        using var operation = Operation.Start("ensure_conversation", reference.Kind, counter: null);
        try
        {
            if (reference.Kind != ConversationIdKind.Uuid)
            {
                throw new InvalidConversationIdException(conversationId);
            }

            var (connection, prepare) = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var created = await new ConversationsRepository(connection, null, _options, prepare).EnsureAsync(reference.Uuid, userId, name, cancellationToken).ConfigureAwait(false)
                ?? throw new ConversationIdTakenException(conversationId);
            operation.Complete(created ? "created" : "existed");
            return created;
        }
        catch (Exception e)
        {
            operation.Fail(e);
            throw;
        }
    }

    /// <inheritdoc />
    public async Task<string> SaveStateAsync(string conversationId, string userId, ContinuationSnapshot snapshot, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        Guard.ConversationId(conversationId);
        Guard.UserId(userId);
        ArgumentNullException.ThrowIfNull(snapshot);
        var ttlSeconds = Guard.Ttl(ttl ?? _options.DefaultTtl, nameof(ttl));
        var reference = ConversationReference.Parse(conversationId);
        using var operation = Operation.Start("save", reference.Kind, Telemetry.Saves);
        try
        {
            if (reference.Kind == ConversationIdKind.Invalid)
            {
                throw new InvalidConversationIdException(conversationId);
            }

            // Serialized before a connection is taken: a value jsonb cannot hold costs no round trip.
            using var payload = SnapshotParameters.Serialize(snapshot, _options.Json);
            Telemetry.StateSize.Record(payload.TotalBytes);

            var (connection, prepare) = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var states = new PendingToolStateRepository(connection, null, _options, prepare);

            // No row back: the legacy id names no conversation (the statement resolved it and wrote nothing).
            _ = await states.SaveSerializedAsync(reference, userId, payload, ttlSeconds, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidConversationIdException(conversationId);
            operation.Complete("saved");
        }
        catch (Exception e)
        {
            operation.Fail(e);
            throw;
        }

        Log.StateSaved(_logger, conversationId, CountOf(snapshot.PendingToolCalls));
        return conversationId;
    }

    /// <inheritdoc />
    public Task<PendingToolState?> LoadStateAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
        => RunAsync(
            "load",
            Telemetry.Loads,
            conversationId,
            userId,
            static (states, id, user, ct) => states.LoadAsync(id, user, ct),
            static state => state is null ? "miss" : "hit",
            cancellationToken);

    /// <inheritdoc />
    public Task<PendingToolState?> ClaimStateAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
        => ClaimStateCoreAsync(conversationId, userId, null, cancellationToken);

    /// <inheritdoc />
    public Task<PendingToolState?> ClaimStateAsync(string conversationId, string userId, ClaimOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ClaimToken is not null)
        {
            throw new ArgumentException("A claim token needs a resume id: use ClaimForResumeAsync.", nameof(options));
        }

        Guard.Format(options.RequiredFormat);
        return ClaimStateCoreAsync(conversationId, userId, options.RequiredFormat, cancellationToken);
    }

    private async Task<PendingToolState?> ClaimStateCoreAsync(string conversationId, string userId, string? requiredFormat, CancellationToken cancellationToken)
    {
        try
        {
            var claimed = await RunAsync(
                "claim",
                Telemetry.Claims,
                conversationId,
                userId,
                (states, id, user, ct) => states.ClaimAsync(id, user, requiredFormat, ct),
                static state => state is null ? "none" : "won",
                cancellationToken).ConfigureAwait(false);
            if (claimed is not null)
            {
                Log.StateClaimed(_logger, conversationId);
            }

            return claimed;
        }
        catch (ResumeInProgressException)
        {
            Log.ResumeInProgress(_logger, conversationId);
            throw;
        }
    }

    /// <inheritdoc />
    public Task<ResumeClaim> ClaimForResumeAsync(string conversationId, string userId, string resumeId, CancellationToken cancellationToken = default)
    {
        Guard.ResumeId(resumeId);
        return ClaimForResumeCoreAsync(conversationId, userId, resumeId, null, null, cancellationToken);
    }

    /// <inheritdoc />
    public Task<ResumeClaim> ClaimForResumeAsync(string conversationId, string userId, string resumeId, Guid claimToken, CancellationToken cancellationToken = default)
    {
        Guard.ResumeId(resumeId);
        Guard.ClaimToken(claimToken);
        return ClaimForResumeCoreAsync(conversationId, userId, resumeId, claimToken, null, cancellationToken);
    }

    /// <inheritdoc />
    public Task<ResumeClaim> ClaimForResumeAsync(string conversationId, string userId, string resumeId, ClaimOptions options, CancellationToken cancellationToken = default)
    {
        Guard.ResumeId(resumeId);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ClaimToken is { } token)
        {
            Guard.ClaimToken(token);
        }

        Guard.Format(options.RequiredFormat);
        return ClaimForResumeCoreAsync(conversationId, userId, resumeId, options.ClaimToken, options.RequiredFormat, cancellationToken);
    }

    private async Task<ResumeClaim> ClaimForResumeCoreAsync(string conversationId, string userId, string resumeId, Guid? claimToken, string? requiredFormat, CancellationToken cancellationToken)
    {
        var claim = await RunAsync(
            "claim",
            Telemetry.Claims,
            conversationId,
            userId,
            (states, id, user, ct) => states.ClaimForResumeAsync(id, user, resumeId, claimToken, requiredFormat, ct),
            static claim => claim?.Status switch
            {
                ResumeClaimStatus.Claimed => "won",
                ResumeClaimStatus.InProgress => "in_progress_same_resume",
                ResumeClaimStatus.InProgressByAnotherResume => "in_progress",
                ResumeClaimStatus.Completed => "completed",
                _ => "none",
            },
            cancellationToken).ConfigureAwait(false) ?? ResumeClaim.NotFound();
        if (claim.Status == ResumeClaimStatus.Claimed)
        {
            Log.StateClaimed(_logger, conversationId);
        }

        return claim;
    }

    /// <inheritdoc />
    public async Task<bool> CompleteResumeAsync(PendingToolState claimed, object? outcome = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        var completed = await RunOnStateAsync(
            "complete",
            Telemetry.Deletes,
            states => states.CompleteResumeAsync(claimed, outcome, cancellationToken),
            static done => done ? "completed" : "fenced_out",
            cancellationToken).ConfigureAwait(false);
        if (completed)
        {
            Log.StateDeleted(_logger, claimed.ConversationId.ToString());
        }

        return completed;
    }

    /// <inheritdoc />
    public async Task<bool> CompleteAndPauseAgainAsync(PendingToolState claimed, ContinuationSnapshot nextPause, object? outcome = null, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        ArgumentNullException.ThrowIfNull(nextPause);
        var paused = await RunOnStateAsync(
            "pause_again",
            Telemetry.Saves,
            states => states.CompleteAndPauseAgainAsync(claimed, nextPause, outcome, ttl, cancellationToken),
            static saved => saved is null ? "fenced_out" : "saved",
            cancellationToken).ConfigureAwait(false);
        if (paused is not null)
        {
            Log.StateSaved(_logger, claimed.ConversationId.ToString(), CountOf(nextPause.PendingToolCalls));
        }

        return paused is not null;
    }

    /// <inheritdoc />
    public Task<int> PurgeExpiredReceiptsAsync(CancellationToken cancellationToken = default)
        => RunOnStateAsync(
            "purge_receipts",
            counter: null,
            states => states.PurgeExpiredReceiptsAsync(cancellationToken),
            static _ => "purged",
            cancellationToken);

    /// <inheritdoc />
    public async Task<bool> ReleaseClaimAsync(string conversationId, string userId, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        var ttlSeconds = Guard.Ttl(ttl ?? _options.DefaultTtl, nameof(ttl));
        var released = await RunAsync(
            "release",
            Telemetry.Releases,
            conversationId,
            userId,
            (states, id, user, ct) => states.ReleaseAsync(id, user, ttlSeconds, ct),
            static done => done ? "released" : "none",
            cancellationToken).ConfigureAwait(false);
        if (released)
        {
            Log.ClaimReleased(_logger, conversationId);
        }

        return released;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteStateAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        var deleted = await RunAsync(
            "delete",
            Telemetry.Deletes,
            conversationId,
            userId,
            static (states, id, user, ct) => states.DeleteAsync(id, user, ct),
            static done => done ? "deleted" : "none",
            cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            Log.StateDeleted(_logger, conversationId);
        }

        return deleted;
    }

    /// <inheritdoc />
    public async Task<bool> ReleaseClaimAsync(PendingToolState claimed, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        var released = await RunOnStateAsync(
            "release",
            Telemetry.Releases,
            states => states.ReleaseClaimAsync(claimed, ttl, cancellationToken),
            static done => done ? "released" : "fenced_out",
            cancellationToken).ConfigureAwait(false);
        if (released)
        {
            Log.ClaimReleased(_logger, claimed.ConversationId.ToString());
        }

        return released;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteStateAsync(PendingToolState claimed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claimed);
        var deleted = await RunOnStateAsync(
            "delete",
            Telemetry.Deletes,
            states => states.DeleteStateAsync(claimed, cancellationToken),
            static done => done ? "deleted" : "fenced_out",
            cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            Log.StateDeleted(_logger, claimed.ConversationId.ToString());
        }

        return deleted;
    }

    /// <inheritdoc />
    public async Task<bool> MarkResumingAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        var flipped = await RunAsync(
            "mark_resuming",
            Telemetry.Marks,
            conversationId,
            userId,
            static (states, id, user, ct) => states.MarkResumingAsync(id, user, ct),
            static done => done ? "marked" : "none",
            cancellationToken).ConfigureAwait(false);
        if (flipped)
        {
            Log.MarkedResuming(_logger, conversationId);
        }

        return flipped;
    }

    /// <inheritdoc />
    public async Task<int> RevertStaleResumingAsync(TimeSpan? grace = null, CancellationToken cancellationToken = default)
    {
        var effectiveGrace = grace ?? _options.StaleClaimGrace;
        var count = await RunOnStateAsync(
            "revert_stale",
            Telemetry.Reverted,
            states => states.RevertStaleResumingAsync(effectiveGrace, null, cancellationToken),
            static n => "reverted",
            cancellationToken,
            static n => n).ConfigureAwait(false);
        if (count > 0)
        {
            Log.StaleClaimsReverted(_logger, count, effectiveGrace);
        }

        return count;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PurgedState>> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        var purged = await RunOnStateAsync(
            "purge",
            Telemetry.Purged,
            states => states.PurgeExpiredAsync(cancellationToken),
            static rows => "purged",
            cancellationToken,
            static rows => rows.Count).ConfigureAwait(false);
        if (purged.Count > 0)
        {
            Log.ExpiredStatePurged(_logger, purged.Count);
        }

        return purged;
    }

    /// <summary>Runs one repository call on the caller's id, traced; an id that is neither a UUID nor a legacy id answers default without a query.</summary>
    private async Task<T> RunAsync<T>(
        string name,
        Counter<long> counter,
        string conversationId,
        string userId,
        Func<PendingToolStateRepository, ConversationReference, string, CancellationToken, Task<T>> run,
        Func<T, string> outcomeOf,
        CancellationToken cancellationToken)
    {
        Guard.ConversationId(conversationId);
        Guard.UserId(userId);
        var reference = ConversationReference.Parse(conversationId);
        using var operation = Operation.Start(name, reference.Kind, counter);
        try
        {
            T result = default!;
            if (reference.Kind != ConversationIdKind.Invalid)
            {
                var (connection, prepare) = await OpenAsync(cancellationToken).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                result = await run(new PendingToolStateRepository(connection, null, _options, prepare), reference, userId, cancellationToken).ConfigureAwait(false);
            }

            operation.Complete(outcomeOf(result));
            return result;
        }
        catch (ResumeInProgressException)
        {
            operation.Complete("in_progress");
            throw;
        }
        catch (Exception e)
        {
            operation.Fail(e);
            throw;
        }
    }

    /// <summary>Runs one repository call that needs no id resolution, traced.</summary>
    private async Task<T> RunOnStateAsync<T>(
        string name,
        Counter<long>? counter,
        Func<PendingToolStateRepository, Task<T>> run,
        Func<T, string> outcomeOf,
        CancellationToken cancellationToken,
        Func<T, long>? countOf = null)
    {
        using var operation = Operation.Start(name, null, counter);
        try
        {
            var (connection, prepare) = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var connectionScope = connection.ConfigureAwait(false);
            var result = await run(new PendingToolStateRepository(connection, null, _options, prepare)).ConfigureAwait(false);
            operation.Complete(outcomeOf(result), countOf?.Invoke(result) ?? 1);
            return result;
        }
        catch (Exception e)
        {
            operation.Fail(e);
            throw;
        }
    }

    /// <summary>The host's data source: whether connections from it run the statements prepared (null on the library's own).</summary>
    internal RegisteredDataSourcePreparation? Preparation => _registered;

    // A ValueTask: taking an idle pooled connection usually completes at once, and then allocates nothing here. On the
    // library's own data source, Npgsql prepares the statements itself (automatic preparation); on the host's, the
    // repositories prepare them explicitly when Prepare is true.
    private async ValueTask<(NpgsqlConnection Connection, bool Prepare)> OpenAsync(CancellationToken cancellationToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            if (_own is not null)
            {
                return (await _own.OpenConnectionAsync(cancellationToken).ConfigureAwait(false), false);
            }

            connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return (connection, await _registered!.PreparesOnAsync(connection, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            if (DbErrors.Translate(e) is { } translated)
            {
                throw translated;
            }

            throw;
        }
    }

    private static int CountOf(object? pendingToolCalls) => pendingToolCalls switch
    {
        ICollection collection => collection.Count,
        JsonElement { ValueKind: JsonValueKind.Array } array => array.GetArrayLength(),
        JsonArray array => array.Count,
        // A lazy sequence is not enumerated twice just to count it for a log line.
        _ => 0,
    };
}
