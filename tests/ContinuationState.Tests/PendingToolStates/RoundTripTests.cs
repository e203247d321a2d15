using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.PendingToolStates;

/// <summary>Counts the commands the server receives per operation: one, for a UUID or a legacy id alike.</summary>
public sealed class RoundTripTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task EveryOperation_OnAUuid_CostsOneRoundTrip()
    {
        var service = db.CreateService();
        var conversation = (await TestData.CreateConversationAsync(db.DataSource)).ToString();
        using var counter = new CommandCounter(db.DatabaseName);

        await AssertRoundTrips(counter, 1, () => service.SaveStateAsync(conversation, "user-a", TestData.Snapshot()));
        await AssertRoundTrips(counter, 1, () => service.LoadStateAsync(conversation, "user-a"));
        await AssertRoundTrips(counter, 1, () => service.ClaimStateAsync(conversation, "user-a"));
        await AssertRoundTrips(counter, 1, () => service.ReleaseClaimAsync(conversation, "user-a"));
        await AssertRoundTrips(counter, 1, () => service.MarkResumingAsync(conversation, "user-a"));
        await AssertRoundTrips(counter, 1, () => service.DeleteStateAsync(conversation, "user-a"));
        await AssertRoundTrips(counter, 1, () => service.LoadStateAsync(conversation, "user-a"));
        await AssertRoundTrips(counter, 1, () => service.RevertStaleResumingAsync());
        await AssertRoundTrips(counter, 1, () => service.PurgeExpiredAsync());
    }

    [Fact]
    public async Task LegacyId_CostsOneRoundTrip_FromItsFirstUse()
    {
        // The statement resolves the legacy id itself: there is no lookup first, cold or warm.
        var service = db.CreateService();
        var legacy = TestData.NewLegacyId();
        await TestData.CreateConversationAsync(db.DataSource, "user-a", legacy);
        using var counter = new CommandCounter(db.DatabaseName);

        await AssertRoundTrips(counter, 1, () => service.SaveStateAsync(legacy, "user-a", TestData.Snapshot()));
        await AssertRoundTrips(counter, 1, () => service.LoadStateAsync(legacy, "user-a"));
        await AssertRoundTrips(counter, 1, () => service.ClaimStateAsync(legacy, "user-a"));
        await AssertRoundTrips(counter, 1, () => service.ReleaseClaimAsync(legacy, "user-a"));
        await AssertRoundTrips(counter, 1, () => service.MarkResumingAsync(legacy, "user-a"));
        await AssertRoundTrips(counter, 1, () => service.ReleaseClaimAsync(legacy, "user-a"));
        await AssertRoundTrips(counter, 1, () => service.ClaimForResumeAsync(legacy, "user-a", "resume-1"));
        await AssertRoundTrips(counter, 1, () => service.DeleteStateAsync(legacy, "user-a"));
    }

    [Fact]
    public async Task LegacyId_ColdLoad_CostsOneRoundTrip()
    {
        var legacy = TestData.NewLegacyId();
        await TestData.CreateConversationAsync(db.DataSource, "user-a", legacy);
        using var counter = new CommandCounter(db.DatabaseName);

        await AssertRoundTrips(counter, 1, () => db.CreateService().LoadStateAsync(legacy, "user-a"));
        await AssertRoundTrips(counter, 1, () => db.CreateService().LoadStateAsync(TestData.NewLegacyId(), "user-a"));
    }

    [Fact]
    public async Task InvalidId_CostsNoRoundTrip()
    {
        var service = db.CreateService();
        using var counter = new CommandCounter(db.DatabaseName);

        await AssertRoundTrips(counter, 0, () => service.LoadStateAsync("not-an-id", "user-a"));
    }

    private static async Task AssertRoundTrips(CommandCounter counter, int expected, Func<Task> operation)
    {
        counter.Reset();
        await operation();
        Assert.True(expected == counter.Count, $"expected {expected} round trip(s), saw {counter.Count}: {string.Join(" | ", counter.Commands)}");
    }
}
