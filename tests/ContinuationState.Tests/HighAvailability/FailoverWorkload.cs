using System.Collections.Concurrent;
using System.Text;
using ContinuationState.Serialization;
using Npgsql;
using static ContinuationState.Tests.HighAvailability.FailoverLedger;

namespace ContinuationState.Tests.HighAvailability;

/// <summary>
/// Concurrent writers over many conversations, each created by its writer (<c>EnsureConversationAsync</c>, retried) and
/// then driven by it through whole pauses: save,
/// a contended claim (two idempotent claims with the same resume id and a plain one, so exactly one may win), a late
/// claim under another resume id (must never win), then complete, fenced delete, release, or leave it claimed.
/// Every operation that fails transiently is retried as docs/high-availability.md tells a host to, and must converge.
/// </summary>
internal sealed class FailoverWorkload
{
    private const string User = "user-ha";
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(90);

    private readonly IContinuationService _service;
    private readonly NpgsqlDataSource _dataSource;
    private readonly ConcurrentQueue<Guid> _conversations;
    private readonly TimeSpan _staleClaimGrace;

    public FailoverWorkload(IContinuationService service, NpgsqlDataSource dataSource, IEnumerable<Guid> conversations, TimeSpan staleClaimGrace)
    {
        _service = service;
        _dataSource = dataSource;
        _conversations = new ConcurrentQueue<Guid>(conversations);
        _staleClaimGrace = staleClaimGrace;
    }

    public FailoverLedger Ledger { get; } = new();

    /// <summary>Runs <paramref name="writers"/> writers until <paramref name="stop"/> is cancelled (each then finishes its pause).</summary>
    public Task RunAsync(int writers, CancellationToken stop)
        => Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() => WriterAsync(w, stop), CancellationToken.None)));

    private async Task WriterAsync(int writer, CancellationToken stop)
    {
        var random = new Random(writer * 7919 + 17);
        while (!stop.IsCancellationRequested && _conversations.TryDequeue(out var conversation))
        {
            try
            {
                // Created as a host creates it, under the failover too: a retry after a lost answer is a no-op.
                var created = await RetryAsync(() => _service.EnsureConversationAsync(conversation.ToString(), User, "ha"));
                Ledger.ConversationCreated(created);
                var cycles = random.Next(1, 4);
                for (var cycle = 0; cycle < cycles; cycle++)
                {
                    await PauseAndResumeAsync(conversation, $"{conversation:N}/{cycle}", random, last: cycle == cycles - 1);
                }
            }
            catch (ContinuationStateTransientException e)
            {
                Ledger.Divergences.Add($"{conversation}: still failing after {RetryFor.TotalSeconds} s of retries: {e.Message}");
                return;
            }
            catch (Exception e)
            {
                Ledger.Failure(e);
                return;
            }
        }
    }

    private async Task PauseAndResumeAsync(Guid conversation, string marker, Random random, bool last)
    {
        var id = conversation.ToString();
        var snapshot = Snapshot(marker, random);
        var parts = ExpectedPartsOf(snapshot);
        // A retried save leaves one row with the retried snapshot (the same one here).
        await RetryAsync(() => _service.SaveStateAsync(id, User, snapshot));
        Ledger.Expectations[conversation] = new Pending(marker, parts);

        var resumeId = "resume-" + marker;
        // Two requests with the same resume id, each with the claim token it chose, as a host retrying would send.
        Guid[] tokens = [Guid.NewGuid(), Guid.NewGuid()];
        var winner = await ContendedClaimAsync(id, marker, resumeId, tokens);
        if (winner is null)
        {
            winner = await ResolveInDoubtClaimAsync(id, marker, resumeId, tokens);
            if (winner is null)
            {
                return;
            }
        }

        // A won claim is an acknowledged write too: the row must stay claimed with this token until we act on it.
        Ledger.Expectations[conversation] = new Resuming(marker, parts, winner.ClaimToken!.Value, winner.ResumeId);

        // The pause is claimed: nobody else may win it, before or after a failover.
        var late = await RetryAsync(() => _service.ClaimForResumeAsync(id, User, "late-" + marker));
        if (late.Status == ResumeClaimStatus.Claimed)
        {
            Ledger.WinningClaims.Add((marker, late.State!.ClaimToken!.Value, "late"));
        }

        var roll = random.Next(last ? 4 : 3);
        if (roll == 0 && winner.ResumeId is not null)
        {
            if (await RetryAsync(() => _service.CompleteResumeAsync(winner, new { marker })) ||
                await CompletedEarlierAsync(id, resumeId, marker))
            {
                Ledger.Expectations[conversation] = new Absent();
                Ledger.Receipts.Add((conversation, resumeId, marker));
            }
            else
            {
                Ledger.Divergences.Add($"{marker}: the completion was neither applied nor recorded");
            }
        }
        else if (roll <= 1)
        {
            // A retried fenced delete answers false when the first attempt committed: the row must be gone.
            if (await RetryAsync(() => _service.DeleteStateAsync(winner)) || await RetryAsync(() => _service.LoadStateAsync(id, User)) is null)
            {
                Ledger.Expectations[conversation] = new Absent();
            }
            else
            {
                Ledger.Divergences.Add($"{marker}: the fenced delete neither deleted nor found the row gone");
            }
        }
        else if (roll == 2)
        {
            if (await RetryAsync(() => _service.ReleaseClaimAsync(winner)) || await IsPendingAsync(id, marker))
            {
                Ledger.Expectations[conversation] = new Pending(marker, parts);
            }
            else
            {
                Ledger.Divergences.Add($"{marker}: the release neither released nor found the pause pending");
            }
        }

        // Otherwise the pause stays claimed, as a host that crashed mid-resume leaves it.
    }

    /// <summary>Three callers claim the pause at once; returns the winner's state, or null when none won.</summary>
    private async Task<PendingToolState?> ContendedClaimAsync(string id, string marker, string resumeId, Guid[] tokens)
    {
        var first = Attempt(() => _service.ClaimForResumeAsync(id, User, resumeId, tokens[0]));
        var retry = Attempt(() => _service.ClaimForResumeAsync(id, User, resumeId, tokens[1]));
        var plain = Attempt(async () =>
        {
            try
            {
                return await _service.ClaimStateAsync(id, User);
            }
            catch (ResumeInProgressException)
            {
                return null;
            }
        });
        await Task.WhenAll(first, retry, plain);

        PendingToolState? winner = null;
        foreach (var (claim, how) in new[] { (first.Result?.State, "idempotent"), (retry.Result?.State, "idempotent"), (plain.Result, "plain") })
        {
            if (claim is not null)
            {
                Ledger.WinningClaims.Add((marker, claim.ClaimToken!.Value, how));
                winner ??= claim;
            }
        }

        return winner;
    }

    /// <summary>
    /// Nobody won, so some claim failed in doubt. The host retries each idempotent request with its own resume id and
    /// claim token: a claim that committed unseen is handed back to its token (re-delivered, tools not yet run), one
    /// that did not commit is won now, and any other token is told InProgress, so the tools never run twice. Only
    /// when the plain claim (which has no token) committed unseen must the pause wait for the stale-claim revert:
    /// here the grace is made to pass by back-dating.
    /// </summary>
    private async Task<PendingToolState?> ResolveInDoubtClaimAsync(string id, string marker, string resumeId, Guid[] tokens)
    {
        ResumeClaim? again = null;
        foreach (var token in tokens)
        {
            again = await RetryAsync(() => _service.ClaimForResumeAsync(id, User, resumeId, token));
            if (again.Status == ResumeClaimStatus.Claimed)
            {
                if (again.State!.ClaimToken != token)
                {
                    Ledger.Divergences.Add($"{marker}: a claim retried with token {token} came back with {again.State.ClaimToken}");
                }

                Ledger.WinningClaims.Add((marker, again.State.ClaimToken!.Value, "retried with its token"));
                return again.State;
            }

            if (again.Status is not (ResumeClaimStatus.InProgress or ResumeClaimStatus.InProgressByAnotherResume))
            {
                Ledger.Divergences.Add($"{marker}: an acknowledged pause answered {again.Status} to a retried claim");
                return null;
            }
        }

        Ledger.RevertedInDoubtClaims.Add(marker);
        await RetryAsync(() => BackdateClaimAsync(id));
        await RetryAsync(() => _service.RevertStaleResumingAsync(_staleClaimGrace));
        var afterRevert = await RetryAsync(() => _service.ClaimForResumeAsync(id, User, resumeId, tokens[0]));
        if (afterRevert.Status == ResumeClaimStatus.Claimed)
        {
            Ledger.WinningClaims.Add((marker, afterRevert.State!.ClaimToken!.Value, "after-revert"));
            return afterRevert.State;
        }

        Ledger.Divergences.Add($"{marker}: after the stale-claim revert the retried claim answered {afterRevert.Status}");
        return null;
    }

    // The stale-claim grace passing, without waiting for it: this conversation's claim only.
    private async Task<int> BackdateClaimAsync(string id)
    {
        try
        {
            await using var command = _dataSource.CreateCommand(
                "UPDATE pending_tool_state SET resumed_at = resumed_at - $2 * interval '1 second' - interval '1 minute' WHERE conversation_id = $1::uuid AND status = 'resuming'");
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            command.Parameters.Add(new NpgsqlParameter { Value = _staleClaimGrace.TotalSeconds });
            return await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException e) when (e.IsTransient || e is PostgresException)
        {
            // The test's own SQL during the failover: retried like the library's operations.
            throw new ContinuationStateTransientException("test SQL failed during the failover", e);
        }
    }

    private async Task<bool> CompletedEarlierAsync(string id, string resumeId, string marker)
    {
        var claim = await RetryAsync(() => _service.ClaimForResumeAsync(id, User, resumeId));
        return claim.Status == ResumeClaimStatus.Completed && claim.Receipt!.Outcome!.Value.GetProperty("marker").GetString() == marker;
    }

    private async Task<bool> IsPendingAsync(string id, string marker)
    {
        var state = await RetryAsync(() => _service.LoadStateAsync(id, User));
        return state is not null && state.Messages[0].GetProperty("content").GetString() == marker;
    }

    /// <summary>One attempt: a success or a recorded failure (null), as a contended caller that does not retry.</summary>
    private async Task<T?> Attempt<T>(Func<Task<T>> operation)
    {
        var startedAt = Ledger.Now;
        try
        {
            var result = await operation();
            Ledger.Success(startedAt);
            return result;
        }
        catch (ContinuationStateTransientException e)
        {
            Ledger.Failure(e);
            return default;
        }
    }

    /// <summary>
    /// What docs/high-availability.md tells a host: retry a ContinuationStateTransientException with a short back-off
    /// (here 100 ms, the host's retry policy, not a wait for the test's timing), anything else is not retried.
    /// </summary>
    private async Task<T> RetryAsync<T>(Func<Task<T>> operation)
    {
        var deadline = DateTime.UtcNow + RetryFor;
        while (true)
        {
            var startedAt = Ledger.Now;
            try
            {
                var result = await operation();
                Ledger.Success(startedAt);
                return result;
            }
            catch (ContinuationStateTransientException e) when (DateTime.UtcNow < deadline)
            {
                Ledger.Failure(e);
                await Task.Delay(100);
            }
        }
    }

    private static ContinuationSnapshot Snapshot(string marker, Random random)
    {
        // About 2 KB a pause, with non-ASCII text and numbers jsonb keeps exactly, so byte-level loss would show.
        var text = new StringBuilder();
        for (var i = 0; i < 60; i++)
        {
            text.Append("tök ").Append(random.Next()).Append(" ✓ ");
        }

        return new ContinuationSnapshot(
            Messages: new object[]
            {
                new { role = "user", content = marker },
                new { role = "assistant", content = text.ToString(), n = random.NextDouble() },
            },
            PendingToolCalls: new[] { new { call_id = "call_" + random.Next(), name = "send_email", arguments = new { to = "a@example.com", body = text.ToString(0, 200) } } },
            ToolsDict: new Dictionary<string, object> { ["send_email"] = new { requires_approval = true, limit = random.NextInt64() } },
            ToolSchemas: new[] { new { type = "function", name = "send_email" } },
            AgentConfig: new { agent_id = "agent-ha", marker },
            ClientTools: random.Next(2) == 0 ? null : new[] { new { name = "get_timezone" } });
    }

    private static ExpectedParts ExpectedPartsOf(ContinuationSnapshot snapshot)
    {
        static string Json(object? value) => Encoding.UTF8.GetString(ContinuationJson.SerializeToUtf8Bytes(value));
        return new ExpectedParts(Json(snapshot.Messages), Json(snapshot.PendingToolCalls), Json(snapshot.ToolsDict), Json(snapshot.ToolSchemas),
            Json(snapshot.AgentConfig), Json(snapshot.ClientTools));
    }
}
