using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using ContinuationState.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState;

/// <summary>
/// The facade hosts call: resolves the conversation id through <see cref="ConversationsRepository"/> (remembering
/// legacy ids it has seen), then runs one statement of <see cref="PendingToolStateRepository"/> on a connection
/// from the data source. A UUID, or a legacy id seen before, costs one round trip per operation.
/// </summary>
public sealed class ContinuationService : IContinuationService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ContinuationStateOptions _options;
    private readonly ILogger _logger;
    private readonly LegacyIdCache _legacyIds;

    /// <summary>Creates the service.</summary>
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
        _legacyIds = new LegacyIdCache(_options.LegacyIdCacheSize);
    }

    internal int CachedLegacyIdCount => _legacyIds.Count;

    /// <inheritdoc />
    public async Task<string> SaveStateAsync(string conversationId, string userId, ContinuationSnapshot snapshot, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        Guard.ConversationId(conversationId);
        Guard.UserId(userId);
        ArgumentNullException.ThrowIfNull(snapshot);

        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var resolved = await ResolveAsync(connection, conversationId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidConversationIdException(conversationId);
        var states = new PendingToolStateRepository(connection, null, _options);
        try
        {
            await states.SaveStateAsync(resolved.Uuid, userId, snapshot, ttl, cancellationToken).ConfigureAwait(false);
        }
        catch (ConversationNotFoundException e) when (resolved.FromCache)
        {
            // The cached conversation was deleted; its legacy id may now name another (or none).
            _legacyIds.Evict(conversationId);
            Log.LegacyIdEvicted(_logger, conversationId);
            var fresh = await ResolveAsync(connection, conversationId, cancellationToken).ConfigureAwait(false)
                ?? throw new ConversationNotFoundException(conversationId, e);
            await states.SaveStateAsync(fresh.Uuid, userId, snapshot, ttl, cancellationToken).ConfigureAwait(false);
        }
        catch (ConversationNotFoundException e)
        {
            throw new ConversationNotFoundException(conversationId, e.InnerException);
        }

        Log.StateSaved(_logger, conversationId, CountOf(snapshot.PendingToolCalls));
        return conversationId;
    }

    /// <inheritdoc />
    public Task<PendingToolState?> LoadStateAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
        => RunAsync(conversationId, userId, default(PendingToolState), static (states, id, user, ct) => states.LoadStateAsync(id, user, ct), cancellationToken);

    /// <inheritdoc />
    public async Task<PendingToolState?> ClaimStateAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        try
        {
            var claimed = await RunAsync(conversationId, userId, default(PendingToolState), static (states, id, user, ct) => states.ClaimStateAsync(id, user, ct), cancellationToken).ConfigureAwait(false);
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
    public async Task<bool> ReleaseClaimAsync(string conversationId, string userId, TimeSpan? ttl = null, CancellationToken cancellationToken = default)
    {
        var ttlSeconds = Guard.Ttl(ttl ?? _options.DefaultTtl, nameof(ttl));
        var released = await RunAsync(conversationId, userId, false, (states, id, user, ct) => states.ReleaseClaimAsync(id, user, TimeSpan.FromSeconds(ttlSeconds), ct), cancellationToken).ConfigureAwait(false);
        if (released)
        {
            Log.ClaimReleased(_logger, conversationId);
        }

        return released;
    }

    /// <inheritdoc />
    public async Task<bool> DeleteStateAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        var deleted = await RunAsync(conversationId, userId, false, static (states, id, user, ct) => states.DeleteStateAsync(id, user, ct), cancellationToken).ConfigureAwait(false);
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
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var released = await new PendingToolStateRepository(connection, null, _options).ReleaseClaimAsync(claimed, ttl, cancellationToken).ConfigureAwait(false);
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
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var deleted = await new PendingToolStateRepository(connection, null, _options).DeleteStateAsync(claimed, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            Log.StateDeleted(_logger, claimed.ConversationId.ToString());
        }

        return deleted;
    }

    /// <inheritdoc />
    public async Task<bool> MarkResumingAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        var flipped = await RunAsync(conversationId, userId, false, static (states, id, user, ct) => states.MarkResumingAsync(id, user, ct), cancellationToken).ConfigureAwait(false);
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
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var count = await new PendingToolStateRepository(connection, null, _options).RevertStaleResumingAsync(effectiveGrace, null, cancellationToken).ConfigureAwait(false);
        if (count > 0)
        {
            Log.StaleClaimsReverted(_logger, count, effectiveGrace);
        }

        return count;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<PurgedState>> PurgeExpiredAsync(CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var purged = await new PendingToolStateRepository(connection, null, _options).PurgeExpiredAsync(cancellationToken).ConfigureAwait(false);
        if (purged.Count > 0)
        {
            Log.ExpiredStatePurged(_logger, purged.Count);
        }

        return purged;
    }

    /// <summary>Resolves the id and runs one repository call; an unresolvable id answers <paramref name="unresolved"/>.</summary>
    private async Task<T> RunAsync<T>(
        string conversationId,
        string userId,
        T unresolved,
        Func<PendingToolStateRepository, Guid, string, CancellationToken, Task<T>> operation,
        CancellationToken cancellationToken)
    {
        Guard.ConversationId(conversationId);
        Guard.UserId(userId);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var resolved = await ResolveAsync(connection, conversationId, cancellationToken).ConfigureAwait(false);
        return resolved is { } target
            ? await operation(new PendingToolStateRepository(connection, null, _options), target.Uuid, userId, cancellationToken).ConfigureAwait(false)
            : unresolved;
    }

    private Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
        => DbErrors.Translated(_dataSource.OpenConnectionAsync(cancellationToken).AsTask());

    private async Task<ResolvedConversation?> ResolveAsync(NpgsqlConnection connection, string conversationId, CancellationToken cancellationToken)
    {
        var reference = ConversationReference.Parse(conversationId);
        switch (reference.Kind)
        {
            case ConversationIdKind.Uuid:
                return new ResolvedConversation(reference.Uuid, FromCache: false);
            case ConversationIdKind.Legacy when _legacyIds.TryGet(conversationId, out var cached):
                return new ResolvedConversation(cached, FromCache: true);
            case ConversationIdKind.Legacy:
                var uuid = await new ConversationsRepository(connection, null, _options).ResolveAsync(conversationId, null, cancellationToken).ConfigureAwait(false);
                if (uuid is not { } found)
                {
                    return null;
                }

                _legacyIds.Set(conversationId, found);
                return new ResolvedConversation(found, FromCache: false);
            default:
                return null;
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

    private readonly record struct ResolvedConversation(Guid Uuid, bool FromCache);
}
