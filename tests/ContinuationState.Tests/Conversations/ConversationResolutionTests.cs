using ContinuationState.Tests.Infrastructure;

namespace ContinuationState.Tests.Conversations;

public sealed class ConversationResolutionTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task LegacyId_SaveLoadClaimDelete_WorkThroughTheLegacyMapping()
    {
        var service = db.CreateService();
        var legacy = TestData.NewLegacyId();
        var uuid = await TestData.CreateConversationAsync(db.DataSource, "user-a", legacy);

        Assert.Equal(legacy, await service.SaveStateAsync(legacy, "user-a", TestData.Snapshot("legacy")));

        var stored = await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", uuid);
        Assert.Equal(1, stored);
        Assert.Equal(uuid, (await service.LoadStateAsync(legacy, "user-a"))!.ConversationId);
        Assert.NotNull(await service.LoadStateAsync(uuid.ToString(), "user-a"));
        Assert.NotNull(await service.ClaimStateAsync(legacy, "user-a"));
        Assert.True(await service.ReleaseClaimAsync(legacy, "user-a"));
        Assert.True(await service.MarkResumingAsync(legacy, "user-a"));
        Assert.True(await service.DeleteStateAsync(legacy, "user-a"));
    }

    [Fact]
    public async Task UpperCaseUuid_ResolvesToTheSameConversation()
    {
        var service = db.CreateService();
        var uuid = await TestData.CreateConversationAsync(db.DataSource);

        await service.SaveStateAsync(uuid.ToString().ToUpperInvariant(), "user-a", TestData.Snapshot());

        Assert.NotNull(await service.LoadStateAsync(uuid.ToString(), "user-a"));
    }

    [Theory]
    [InlineData("not-an-id")]
    [InlineData("0123456789abcdef0123456")] // 23 hex digits
    [InlineData("0123456789abcdef012345678")] // 25 hex digits
    [InlineData("0123456789abcdef0123456g")] // not hex
    [InlineData("{6f9619ff-8b86-d011-b42d-00cf4fc964ff}")] // braces are not the canonical form
    [InlineData("6f9619ff8b86d011b42d00cf4fc964ff")] // nor is the 32-digit form
    [InlineData("'; DROP TABLE pending_tool_state; --")]
    public async Task InvalidId_SaveThrowsNamingTheId_AndNothingIsWritten(string id)
    {
        var service = db.CreateService();
        var before = await TestData.RowCountAsync(db.DataSource);

        var error = await Assert.ThrowsAsync<InvalidConversationIdException>(() => service.SaveStateAsync(id, "user-a", TestData.Snapshot()));

        Assert.Equal(id, error.ConversationId);
        Assert.Contains(id, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await TestData.RowCountAsync(db.DataSource));
    }

    [Theory]
    [InlineData("not-an-id")]
    [InlineData("0123456789abcdef01234567")] // a well-formed legacy id nobody has
    public async Task UnresolvableId_ReadsAnswerNothingThere(string id)
    {
        var service = db.CreateService();

        Assert.Null(await service.LoadStateAsync(id, "user-a"));
        Assert.Null(await service.ClaimStateAsync(id, "user-a"));
        Assert.False(await service.ReleaseClaimAsync(id, "user-a"));
        Assert.False(await service.DeleteStateAsync(id, "user-a"));
        Assert.False(await service.MarkResumingAsync(id, "user-a"));
    }

    [Fact]
    public async Task UnknownLegacyId_SaveThrowsInvalidConversationId()
    {
        var service = db.CreateService();

        await Assert.ThrowsAsync<InvalidConversationIdException>(() => service.SaveStateAsync(TestData.NewLegacyId(), "user-a", TestData.Snapshot()));
    }

    [Fact]
    public async Task UuidWithNoConversation_SaveThrowsConversationNotFound_AndNothingIsWritten()
    {
        var service = db.CreateService();
        var missing = Guid.NewGuid().ToString();
        var before = await TestData.RowCountAsync(db.DataSource);

        var error = await Assert.ThrowsAsync<ConversationNotFoundException>(() => service.SaveStateAsync(missing, "user-a", TestData.Snapshot()));

        Assert.Equal(missing, error.ConversationId);
        Assert.Equal(before, await TestData.RowCountAsync(db.DataSource));
    }

    [Fact]
    public async Task LegacyId_WhoseConversationWasDeletedAndRecreated_SavesToTheNewOne()
    {
        var service = db.CreateService();
        var legacy = TestData.NewLegacyId();
        var first = await TestData.CreateConversationAsync(db.DataSource, "user-a", legacy);
        await service.SaveStateAsync(legacy, "user-a", TestData.Snapshot());

        await TestData.ExecuteAsync(db.DataSource, "DELETE FROM conversations WHERE id = $1", first);
        var second = await TestData.CreateConversationAsync(db.DataSource, "user-a", legacy);
        await service.SaveStateAsync(legacy, "user-a", TestData.Snapshot("again"));

        var stored = await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM pending_tool_state WHERE conversation_id = $1", second);
        Assert.Equal(1, stored);
    }

    [Fact]
    public async Task LegacyId_WhoseConversationIsGone_SaveThrowsAsForAnUnknownId_OnAServiceThatUsedItBefore()
    {
        // The same input gets the same exception whatever the service saw before: DocsGPT's ValueError.
        var used = db.CreateService();
        var legacy = TestData.NewLegacyId();
        var uuid = await TestData.CreateConversationAsync(db.DataSource, "user-a", legacy);
        await used.SaveStateAsync(legacy, "user-a", TestData.Snapshot());
        Assert.NotNull(await used.LoadStateAsync(legacy, "user-a"));
        await TestData.ExecuteAsync(db.DataSource, "DELETE FROM conversations WHERE id = $1", uuid);
        var before = await TestData.RowCountAsync(db.DataSource);

        var warm = await Assert.ThrowsAsync<InvalidConversationIdException>(() => used.SaveStateAsync(legacy, "user-a", TestData.Snapshot()));
        var cold = await Assert.ThrowsAsync<InvalidConversationIdException>(() => db.CreateService().SaveStateAsync(legacy, "user-a", TestData.Snapshot()));

        Assert.Equal(legacy, warm.ConversationId);
        Assert.Equal(cold.Message, warm.Message);
        Assert.Equal(before, await TestData.RowCountAsync(db.DataSource));
    }

    [Fact]
    public async Task LegacyId_WhoseConversationIsGone_EveryOperationAnswersNothingThere_OnAServiceThatUsedItBefore()
    {
        var service = db.CreateService();
        var legacy = TestData.NewLegacyId();
        var uuid = await TestData.CreateConversationAsync(db.DataSource, "user-a", legacy);
        await service.SaveStateAsync(legacy, "user-a", TestData.Snapshot());
        var first = await service.ClaimForResumeAsync(legacy, "user-a", "resume-1");
        Assert.True(await service.CompleteResumeAsync(first.State!));
        await service.SaveStateAsync(legacy, "user-a", TestData.Snapshot("second pause"));

        await TestData.ExecuteAsync(db.DataSource, "DELETE FROM conversations WHERE id = $1", uuid);

        Assert.Null(await service.LoadStateAsync(legacy, "user-a"));
        Assert.Null(await service.ClaimStateAsync(legacy, "user-a"));
        Assert.False(await service.ReleaseClaimAsync(legacy, "user-a"));
        Assert.False(await service.MarkResumingAsync(legacy, "user-a"));
        Assert.False(await service.DeleteStateAsync(legacy, "user-a"));
        Assert.Equal(ResumeClaimStatus.NotFound, (await service.ClaimForResumeAsync(legacy, "user-a", "resume-1")).Status);
        Assert.Equal(ResumeClaimStatus.NotFound, (await service.ClaimForResumeAsync(legacy, "user-a", "resume-2")).Status);
    }

    [Fact]
    public async Task LegacyId_MovedToAnotherConversation_NoOperationTouchesTheOldRow()
    {
        var service = db.CreateService();
        var legacy = TestData.NewLegacyId();
        var old = await TestData.CreateConversationAsync(db.DataSource, "user-a", legacy);
        await service.SaveStateAsync(legacy, "user-a", TestData.Snapshot("old"));
        var claimed = await service.ClaimForResumeAsync(legacy, "user-a", "resume-old");
        Assert.True(await service.CompleteResumeAsync(claimed.State!, new { answer = "old" }));
        await service.SaveStateAsync(legacy, "user-a", TestData.Snapshot("old, paused again"));
        var oldRow = await RowTextAsync(old);

        // The legacy id now names another conversation.
        await TestData.ExecuteAsync(db.DataSource, "UPDATE conversations SET legacy_mongo_id = NULL WHERE id = $1", old);
        var moved = await TestData.CreateConversationAsync(db.DataSource, "user-a", legacy);

        Assert.Null(await service.LoadStateAsync(legacy, "user-a"));
        Assert.Null(await service.ClaimStateAsync(legacy, "user-a"));
        Assert.False(await service.MarkResumingAsync(legacy, "user-a"));
        Assert.False(await service.ReleaseClaimAsync(legacy, "user-a"));
        Assert.False(await service.DeleteStateAsync(legacy, "user-a"));
        Assert.Equal(ResumeClaimStatus.NotFound, (await service.ClaimForResumeAsync(legacy, "user-a", "resume-old")).Status);
        Assert.Equal(oldRow, await RowTextAsync(old));

        await service.SaveStateAsync(legacy, "user-a", TestData.Snapshot("new"));
        Assert.Equal(moved, (await service.LoadStateAsync(legacy, "user-a"))!.ConversationId);
        Assert.Equal(oldRow, await RowTextAsync(old));
    }

    [Fact]
    public async Task LegacyId_ClaimForResumeRetry_ReceiptNamesTheResolvedConversation()
    {
        var service = db.CreateService();
        var legacy = TestData.NewLegacyId();
        var uuid = await TestData.CreateConversationAsync(db.DataSource, "user-a", legacy);
        await service.SaveStateAsync(legacy, "user-a", TestData.Snapshot());
        var first = await service.ClaimForResumeAsync(legacy, "user-a", "resume-1");
        Assert.Equal(uuid, first.State!.ConversationId);
        Assert.True(await service.CompleteResumeAsync(first.State));

        var retry = await db.CreateService().ClaimForResumeAsync(legacy, "user-a", "resume-1");

        Assert.Equal(ResumeClaimStatus.Completed, retry.Status);
        Assert.Equal(uuid, retry.Receipt!.ConversationId);
    }

    // Every column of the conversation's state row, as text, to prove an operation left it alone.
    private Task<string?> RowTextAsync(Guid conversation)
        => TestData.ScalarAsync<string>(db.DataSource, "SELECT p::text FROM pending_tool_state AS p WHERE conversation_id = $1", conversation);

    [Fact]
    public async Task LegacyLookup_IsNotScopedByUser_ButTheStateIs()
    {
        var service = db.CreateService();
        var legacy = TestData.NewLegacyId();
        await TestData.CreateConversationAsync(db.DataSource, "owner", legacy);

        // As in DocsGPT, another user may hold state on a conversation they do not own; it stays theirs alone.
        await service.SaveStateAsync(legacy, "someone-else", TestData.Snapshot());

        Assert.Null(await service.LoadStateAsync(legacy, "owner"));
        Assert.NotNull(await service.LoadStateAsync(legacy, "someone-else"));
    }

    [Fact]
    public async Task ConversationsRepository_CreatesAndReadsConversations()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        var repository = new ConversationsRepository(connection);
        var legacy = TestData.NewLegacyId();

        var created = await repository.CreateAsync("user-a", "Trip planning", legacy);

        Assert.Equal(created, await repository.GetAsync(created.Id));
        Assert.Equal(created, await repository.GetAsync(created.Id, "user-a"));
        Assert.Null(await repository.GetAsync(created.Id, "user-b"));
        Assert.Equal(created, await repository.GetByLegacyIdAsync(legacy));
        Assert.Null(await repository.GetByLegacyIdAsync(legacy, "user-b"));
        Assert.Equal(created.Id, await repository.ResolveAsync(legacy));
        Assert.Null(await repository.ResolveAsync(legacy, "user-b"));
        Assert.Equal("Trip planning", created.Name);
        await Assert.ThrowsAsync<ArgumentException>(() => repository.CreateAsync("user-a", legacyMongoId: "nope"));
    }
}
