using ContinuationState.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace ContinuationState.Tests.Reliability;

/// <summary>
/// Operations racing on one state, started together behind a gate and repeated for many rounds. After each round
/// the row must be one that some serial order of the racing operations leaves, and what each operation returned
/// must agree with that same order. No sleeps: the gate lines the operations up, the rounds vary the interleaving.
/// </summary>
public sealed class RaceTests(DatabaseFixture db, ITestOutputHelper output) : IClassFixture<DatabaseFixture>
{
    private const string User = "user-a";

    [Fact]
    public async Task SixtyFourConcurrentClaims_ExactlyOneWins_TheRestSeeResumeInProgressOrNothing()
    {
        const int rounds = 20, claimants = 64;
        var service = db.CreateService();
        int inProgress = 0, none = 0;

        for (var round = 0; round < rounds; round++)
        {
            var conversation = await NewConversationAsync();
            await service.SaveStateAsync(conversation.ToString(), User, TestData.Snapshot($"round {round}"));

            var outcomes = await TogetherAsync(Enumerable.Range(0, claimants)
                .Select(_ => (Func<Task<PendingToolState?>>)(() => service.ClaimStateAsync(conversation.ToString(), User)))
                .ToArray());

            var winners = outcomes.Where(o => o.Value is not null).ToList();
            var winner = Assert.Single(winners).Value!;
            foreach (var loser in outcomes.Where(o => o.Value is null))
            {
                // The issue allows either answer for a loser; anything else (a second win, a raw error) fails.
                if (loser.Error is not null)
                {
                    Assert.IsType<ResumeInProgressException>(loser.Error);
                    inProgress++;
                }
                else
                {
                    none++;
                }
            }

            Assert.Equal(PendingToolStateStatus.Resuming, winner.Status);
            Assert.Equal($"round {round}", Marker(winner));
            var row = await ReadRowAsync(conversation);
            Assert.NotNull(row);
            Assert.Equal("resuming", row.Status);
            Assert.Equal(winner.ClaimToken, row.ClaimToken);
            Assert.Equal(winner.ResumedAt, row.ResumedAt);
            Assert.Equal(1, await RowsForAsync(conversation));
        }

        output.WriteLine($"{rounds} rounds x {claimants} claims: {rounds} won, {inProgress} ResumeInProgress, {none} null");
    }

    public static TheoryData<string> InitialStates => new() { "none", "pending", "resuming" };

    [Theory]
    [MemberData(nameof(InitialStates))]
    public async Task SaveRacingClaim_EndsAsSomeSerialOrderLeavesIt(string initial)
    {
        const int rounds = 30;
        var service = db.CreateService();
        int saveFirst = 0, claimFirst = 0;

        for (var round = 0; round < rounds; round++)
        {
            var conversation = await NewConversationAsync();
            var id = conversation.ToString();
            await ArrangeAsync(service, id, initial);

            var (save, claim) = await TogetherAsync(
                () => service.SaveStateAsync(id, User, TestData.Snapshot("v2")),
                () => service.ClaimStateAsync(id, User));

            Assert.Null(save.Error);
            Assert.Equal(id, save.Value);
            var row = await ReadRowAsync(conversation);
            Assert.NotNull(row);
            Assert.Equal("v2", row.Marker);
            Assert.True(row.Live);

            if (claim.Value is { } claimed && Marker(claimed) == "v2")
            {
                // Save, then claim: the claim took the new state, and the row is that claim.
                saveFirst++;
                Assert.Equal("resuming", row.Status);
                Assert.Equal(claimed.ClaimToken, row.ClaimToken);
                Assert.Equal(claimed.ResumedAt, row.ResumedAt);
            }
            else
            {
                // Claim, then save: the claim saw the old state; the save replaced it with fresh pending state.
                claimFirst++;
                switch (initial)
                {
                    case "none":
                        Assert.Null(claim.Error);
                        Assert.Null(claim.Value);
                        break;
                    case "pending":
                        Assert.Null(claim.Error);
                        Assert.NotNull(claim.Value);
                        Assert.Equal("v1", Marker(claim.Value));
                        break;
                    default:
                        Assert.IsType<ResumeInProgressException>(claim.Error);
                        break;
                }

                Assert.Equal("pending", row.Status);
                Assert.Null(row.ClaimToken);
                Assert.Null(row.ResumedAt);
            }
        }

        output.WriteLine($"save racing claim ({initial}): save first {saveFirst}, claim first {claimFirst}");
    }

    [Theory]
    [MemberData(nameof(InitialStates))]
    public async Task SaveRacingDelete_EndsAsSomeSerialOrderLeavesIt(string initial)
    {
        const int rounds = 30;
        var service = db.CreateService();
        int saveFirst = 0, deleteFirst = 0;

        for (var round = 0; round < rounds; round++)
        {
            var conversation = await NewConversationAsync();
            var id = conversation.ToString();
            await ArrangeAsync(service, id, initial);

            var (save, delete) = await TogetherAsync(
                () => service.SaveStateAsync(id, User, TestData.Snapshot("v2")),
                () => service.DeleteStateAsync(id, User));

            Assert.Null(save.Error);
            Assert.Null(delete.Error);
            var row = await ReadRowAsync(conversation);
            if (row is null)
            {
                // Save, then delete: the delete removed the new state, and said so.
                saveFirst++;
                Assert.True(delete.Value);
            }
            else
            {
                // Delete, then save: the delete found only the old state (if any); the new state is pending.
                deleteFirst++;
                Assert.Equal(initial != "none", delete.Value);
                Assert.Equal("v2", row.Marker);
                Assert.Equal("pending", row.Status);
                Assert.Null(row.ClaimToken);
                Assert.True(row.Live);
            }
        }

        output.WriteLine($"save racing delete ({initial}): save first {saveFirst}, delete first {deleteFirst}");
    }

    [Fact]
    public async Task SaveRacingTheFencedDeleteOfTheClaimBeforeIt_NeverLosesTheNewState()
    {
        const int rounds = 30;
        var service = db.CreateService();
        int deleted = 0, fencedOut = 0;

        for (var round = 0; round < rounds; round++)
        {
            var conversation = await NewConversationAsync();
            var id = conversation.ToString();
            await service.SaveStateAsync(id, User, TestData.Snapshot("v1"));
            var claimed = await service.ClaimStateAsync(id, User);
            Assert.NotNull(claimed);

            // The resume pauses again (a new save) while the finishing worker deletes its own claim.
            var (save, delete) = await TogetherAsync(
                () => service.SaveStateAsync(id, User, TestData.Snapshot("v2")),
                () => service.DeleteStateAsync(claimed));

            Assert.Null(save.Error);
            Assert.Null(delete.Error);
            if (delete.Value)
            {
                deleted++;
            }
            else
            {
                fencedOut++;
            }

            // Either order ends with the new pause pending: deleted before the save, or fenced out by it.
            var row = await ReadRowAsync(conversation);
            Assert.NotNull(row);
            Assert.Equal("v2", row.Marker);
            Assert.Equal("pending", row.Status);
            Assert.Null(row.ClaimToken);
            Assert.True(row.Live);
        }

        output.WriteLine($"save racing fenced delete: deleted first {deleted}, fenced out {fencedOut}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ClaimRacingReleaseOfTheCurrentClaim_EndsAsSomeSerialOrderLeavesIt(bool fenced)
    {
        const int rounds = 30;
        var service = db.CreateService();
        int releaseFirst = 0, claimFirst = 0;

        for (var round = 0; round < rounds; round++)
        {
            var conversation = await NewConversationAsync();
            var id = conversation.ToString();
            await service.SaveStateAsync(id, User, TestData.Snapshot("v1"));
            var first = await service.ClaimStateAsync(id, User);
            Assert.NotNull(first);

            var (release, claim) = await TogetherAsync(
                () => fenced ? service.ReleaseClaimAsync(first) : service.ReleaseClaimAsync(id, User),
                () => service.ClaimStateAsync(id, User));

            // In either order the release finds the first claim current, so it always releases.
            Assert.Null(release.Error);
            Assert.True(release.Value);
            var row = await ReadRowAsync(conversation);
            Assert.NotNull(row);
            Assert.Equal("v1", row.Marker);
            Assert.True(row.Live);

            if (claim.Value is { } second)
            {
                // Release, then claim: a new claim, with its own token, is the current one.
                releaseFirst++;
                Assert.Equal("v1", Marker(second));
                Assert.NotEqual(first.ClaimToken, second.ClaimToken);
                Assert.Equal("resuming", row.Status);
                Assert.Equal(second.ClaimToken, row.ClaimToken);
                Assert.Equal(second.ResumedAt, row.ResumedAt);
            }
            else
            {
                // Claim, then release: the claim met the first claim; the release then handed the state back.
                claimFirst++;
                Assert.IsType<ResumeInProgressException>(claim.Error);
                Assert.Equal("pending", row.Status);
                Assert.Null(row.ClaimToken);
                Assert.Null(row.ResumedAt);
            }
        }

        output.WriteLine($"claim racing {(fenced ? "fenced" : "unfenced")} release: release first {releaseFirst}, claim first {claimFirst}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PurgeRacingClaimOfAStateExpiringThatInstant_NeverPurgesAClaimedState(bool batched)
    {
        const int rounds = 40;
        var service = db.CreateService();
        int claimed = 0, purged = 0, expiredUnpurged = 0;

        for (var round = 0; round < rounds; round++)
        {
            var conversation = await NewConversationAsync();
            var id = conversation.ToString();
            await service.SaveStateAsync(id, User, TestData.Snapshot("v1"));
            // Expiry lands 0-3.5 ms from now, about when the racing statements reach the server.
            await TestData.ExecuteAsync(
                db.DataSource,
                "UPDATE pending_tool_state SET expires_at = clock_timestamp() + make_interval(secs => $2) WHERE conversation_id = $1",
                conversation,
                round % 8 * 0.0005);

            var (purge, claim) = await TogetherAsync(
                () => PurgeAsync(service, batched),
                () => service.ClaimStateAsync(id, User));

            Assert.Null(purge.Error);
            Assert.Null(claim.Error);
            var purgedIt = purge.Value!.Any(p => p.ConversationId == conversation && p.UserId == User);
            var row = await ReadRowAsync(conversation);

            if (claim.Value is { } state)
            {
                // Claim, then purge: the claim extended the row's life, so the purge passed it by.
                claimed++;
                Assert.False(purgedIt, "The purge deleted a state a claim had just returned.");
                Assert.NotNull(row);
                Assert.Equal("resuming", row.Status);
                Assert.Equal(state.ClaimToken, row.ClaimToken);
                Assert.True(row.Live);
            }
            else if (purgedIt)
            {
                // Purge (or an expired claim), then purge: the row is gone and the claim found nothing.
                purged++;
                Assert.Null(row);
            }
            else
            {
                // Purge before the expiry, claim after it: nothing claimed, the expired row waits for the next purge.
                expiredUnpurged++;
                Assert.NotNull(row);
                Assert.Equal("pending", row.Status);
                Assert.False(row.Live);
            }

            await TestData.ExecuteAsync(db.DataSource, "DELETE FROM pending_tool_state WHERE conversation_id = $1", conversation);
        }

        output.WriteLine($"purge ({(batched ? "batch" : "all")}) racing claim: claimed {claimed}, purged {purged}, expired and left {expiredUnpurged}");
    }

    private async Task<IReadOnlyList<PurgedState>> PurgeAsync(ContinuationService service, bool batched)
    {
        if (!batched)
        {
            return await service.PurgeExpiredAsync();
        }

        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await new PendingToolStateRepository(connection).PurgeExpiredBatchAsync(100);
    }

    private static async Task ArrangeAsync(ContinuationService service, string id, string initial)
    {
        if (initial == "none")
        {
            return;
        }

        await service.SaveStateAsync(id, User, TestData.Snapshot("v1"));
        if (initial == "resuming")
        {
            Assert.NotNull(await service.ClaimStateAsync(id, User));
        }
    }

    private static string? Marker(PendingToolState state) => state.Messages[0].GetProperty("content").GetString();

    private async Task<Guid> NewConversationAsync() => await TestData.CreateConversationAsync(db.DataSource, User);

    private async Task<long> RowsForAsync(Guid conversation)
        => await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", conversation);

    private async Task<Row?> ReadRowAsync(Guid conversation)
    {
        await using var command = db.DataSource.CreateCommand(
            "SELECT status, messages->0->>'content', claim_token, resumed_at, expires_at > clock_timestamp() FROM pending_tool_state WHERE conversation_id = $1 AND user_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = conversation });
        command.Parameters.Add(new NpgsqlParameter { Value = User });
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }

        var row = new Row(
            reader.GetString(0),
            reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetGuid(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
            reader.GetBoolean(4));
        Assert.False(await reader.ReadAsync());
        return row;
    }

    /// <summary>Starts every operation behind one gate, opens it, and records each result or exception.</summary>
    private static async Task<Outcome<T>[]> TogetherAsync<T>(Func<Task<T>>[] operations)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = operations.Select(operation => RunAfterAsync(gate.Task, operation)).ToArray();
        gate.SetResult();
        return await Task.WhenAll(running);
    }

    private static async Task<(Outcome<T1> First, Outcome<T2> Second)> TogetherAsync<T1, T2>(Func<Task<T1>> first, Func<Task<T2>> second)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var a = RunAfterAsync(gate.Task, first);
        var b = RunAfterAsync(gate.Task, second);
        gate.SetResult();
        await Task.WhenAll(a, b);
        return (await a, await b);
    }

    private static async Task<Outcome<T>> RunAfterAsync<T>(Task gate, Func<Task<T>> operation)
    {
        await gate;
        try
        {
            return new Outcome<T>(await operation(), null);
        }
#pragma warning disable CA1031 // Every exception is an outcome the test asserts on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new Outcome<T>(default, e);
        }
    }

    private sealed record Outcome<T>(T? Value, Exception? Error);

    private sealed record Row(string Status, string Marker, Guid? ClaimToken, DateTimeOffset? ResumedAt, bool Live);
}
