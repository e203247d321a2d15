using ContinuationState.Extensions.AI;
using ContinuationState.Extensions.AI.Agents;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace ContinuationState.Tests.ExtensionsAI;

/// <summary>
/// A claim of a chat or agent pause takes only a pause of its own format: any other (DocsGPT's dicts, the other
/// integration's, a later format) is refused typed before anything is handed out, and its row is left byte for byte.
/// </summary>
public sealed class PauseFormatTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string User = "user-a";

    public static TheoryData<string, string> ForeignPauses() => new()
    {
        { "docsgpt", "without a format" },
        { "agent", "'microsoft.agents.ai'" },
        { "later", "'microsoft.extensions.ai/2'" },
        { "workflow", "'microsoft.agents.ai.workflows'" },
    };

    [Theory]
    [MemberData(nameof(ForeignPauses))]
    public async Task AChatClaim_RefusesAForeignPause_AndLeavesItsRowExactlyAsItWas(string kind, string named)
    {
        var conversation = await SaveForeignAsync(kind);
        var before = await RowAsync(conversation);

        var keyed = await Assert.ThrowsAsync<InvalidDataException>(() => db.CreateService().ClaimChatPauseAsync(conversation, User, "resume-1"));
        var keyless = await Assert.ThrowsAsync<InvalidDataException>(() => db.CreateService().ClaimChatPauseAsync(conversation, User));

        Assert.Contains(named, keyed.Message, StringComparison.Ordinal);
        Assert.Contains(named, keyless.Message, StringComparison.Ordinal);
        Assert.IsType<StateFormatMismatchException>(keyed.InnerException);
        Assert.Equal(before, await RowAsync(conversation));
        Assert.Equal(0L, await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM resume_receipts WHERE conversation_id = $1", Guid.Parse(conversation)));
    }

    [Fact]
    public async Task AnAgentClaim_RefusesAChatPause_AndLeavesItsRowExactlyAsItWas()
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        var response = new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("client-call", "get_location")]));
        Assert.True(ChatPause.TryCreate([], response, null, out var pause));
        await db.CreateService().SaveChatPauseAsync(conversation, User, pause);
        var before = await RowAsync(conversation);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => db.CreateService().ClaimAgentPauseAsync(conversation, User, "resume-1"));

        Assert.Contains("'microsoft.extensions.ai'", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, await RowAsync(conversation));
    }

    [Fact]
    public async Task TheCoreClaim_WithARequiredFormat_ThrowsTyped_AndWithoutOne_ClaimsAnyFormat()
    {
        var conversation = await SaveForeignAsync("docsgpt");
        var service = db.CreateService();

        var e = await Assert.ThrowsAsync<StateFormatMismatchException>(() => service.ClaimStateAsync(conversation, User, new ClaimOptions { RequiredFormat = "microsoft.extensions.ai" }));
        Assert.Null(e.FoundFormat);
        Assert.Equal("microsoft.extensions.ai", e.RequiredFormat);

        Assert.NotNull(await service.ClaimStateAsync(conversation, User));
        // Claimed now: another format's claim sees a resume in progress, as any claim does.
        await Assert.ThrowsAsync<ResumeInProgressException>(() => service.ClaimStateAsync(conversation, User, new ClaimOptions { RequiredFormat = "microsoft.extensions.ai" }));
    }

    [Fact]
    public async Task AKeyedCoreClaim_WithTheRightFormat_Claims_AndARetryGetsTheReceipt()
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        await db.CreateService().SaveStateAsync(conversation, User, TestData.Snapshot() with { AgentConfig = new { format = "mine" } });
        var options = new ClaimOptions { RequiredFormat = "mine", ClaimToken = Guid.NewGuid() };

        var claim = await db.CreateService().ClaimForResumeAsync(conversation, User, "resume-1", options);
        Assert.Equal(ResumeClaimStatus.Claimed, claim.Status);
        Assert.Equal(options.ClaimToken, claim.State!.ClaimToken);
        Assert.True(await db.CreateService().CompleteResumeAsync(claim.State));

        var retry = await db.CreateService().ClaimForResumeAsync(conversation, User, "resume-1", new ClaimOptions { RequiredFormat = "other" });
        Assert.Equal(ResumeClaimStatus.Completed, retry.Status);
    }

    [Fact]
    public async Task AKeylessClaim_RefusesAClaimToken()
        => await Assert.ThrowsAsync<ArgumentException>(() => db.CreateService().ClaimStateAsync(Guid.NewGuid().ToString(), User, new ClaimOptions { ClaimToken = Guid.NewGuid() }));

    private async Task<string> SaveForeignAsync(string kind)
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        var service = db.CreateService();
        switch (kind)
        {
            case "docsgpt":
                await service.SaveStateAsync(conversation, User, TestData.Snapshot());
                break;
            case "agent":
                var travel = new TravelAgent();
                AIAgent agent = new ChatClientAgent(travel.Client, instructions: "Be brief.", name: "travel", tools: travel.Tools);
                var session = await agent.CreateSessionAsync();
                var first = await agent.RunAsync("book a flight", session);
                await service.SaveAgentPauseAsync(conversation, User, agent, (await AgentPause.CreateAsync(agent, session, first))!);
                break;
            default:
                var format = kind == "later" ? "microsoft.extensions.ai/2" : "microsoft.agents.ai.workflows";
                await service.SaveStateAsync(conversation, User, TestData.Snapshot() with { AgentConfig = new { format } });
                break;
        }

        return conversation;
    }

    private async Task<string?> RowAsync(string conversation)
        => await TestData.ScalarAsync<string>(db.DataSource, "SELECT to_jsonb(p)::text FROM pending_tool_state AS p WHERE conversation_id = $1", Guid.Parse(conversation));
}
