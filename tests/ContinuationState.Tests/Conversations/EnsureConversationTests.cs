using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.Conversations;

/// <summary>The conversation a host creates under its own UUID before the first save: idempotent and scoped to its user.</summary>
public sealed class EnsureConversationTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task AHostChosenId_IsCreatedOnce_AndARetryIsANoOp()
    {
        var id = Guid.NewGuid().ToString();
        var service = db.CreateService();

        Assert.True(await service.EnsureConversationAsync(id, "user-a", "first"));
        Assert.False(await service.EnsureConversationAsync(id, "user-a", "second"));

        Assert.Equal(1L, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM conversations WHERE id = $1", Guid.Parse(id)));
        Assert.Equal("first", await TestData.ScalarAsync<string>(db.DataSource, "SELECT name FROM conversations WHERE id = $1", Guid.Parse(id)));
        await service.SaveStateAsync(id, "user-a", TestData.Snapshot());
        Assert.NotNull(await service.LoadStateAsync(id, "user-a"));
    }

    [Fact]
    public async Task AnotherUsersId_IsRefused_WithoutTellingWhoseItIs_AndNothingChanges()
    {
        var id = Guid.NewGuid().ToString();
        await db.CreateService().EnsureConversationAsync(id, "owner-b", "private title");

        var e = await Assert.ThrowsAsync<ConversationIdTakenException>(() => db.CreateService().EnsureConversationAsync(id, "user-a"));

        Assert.DoesNotContain("owner-b", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("private title", e.Message, StringComparison.Ordinal);
        Assert.Equal("owner-b", await TestData.ScalarAsync<string>(db.DataSource, "SELECT user_id FROM conversations WHERE id = $1", Guid.Parse(id)));
    }

    [Fact]
    public async Task SixteenConcurrentCreates_OfOneId_MakeOneConversation_AndExactlyOneReportsCreated()
    {
        var id = Guid.NewGuid().ToString();

        var created = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => db.CreateService().EnsureConversationAsync(id, "user-a")));

        Assert.Single(created, c => c);
        Assert.Equal(1L, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM conversations WHERE id = $1", Guid.Parse(id)));
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("0123456789abcdef01234567")] // a legacy ObjectId: resolved, never created
    public async Task AnIdThatIsNotACanonicalUuid_IsRefusedTyped_WithoutARoundTrip(string id)
        => await Assert.ThrowsAsync<InvalidConversationIdException>(() => db.CreateService().EnsureConversationAsync(id, "user-a"));

    [Fact]
    public async Task UnstorableText_IsRefusedBeforeAnythingIsSent()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => db.CreateService().EnsureConversationAsync(Guid.NewGuid().ToString(), "user-a", "bad \0 name"));
        await Assert.ThrowsAsync<ArgumentException>(() => db.CreateService().EnsureConversationAsync(Guid.NewGuid().ToString(), "user-\uD800"));
    }

    [Fact]
    public async Task AnUnreachableServer_IsATypedTransientError()
    {
        var service = new ContinuationService(
            Npgsql.NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Timeout=2"),
            Microsoft.Extensions.Options.Options.Create(new ContinuationStateOptions()));

        await Assert.ThrowsAsync<ContinuationStateTransientException>(() => service.EnsureConversationAsync(Guid.NewGuid().ToString(), "user-a"));
    }
}
