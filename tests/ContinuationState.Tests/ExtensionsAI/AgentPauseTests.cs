using ContinuationState.Extensions.AI;
using ContinuationState.Extensions.AI.Agents;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace ContinuationState.Tests.ExtensionsAI;

/// <summary>An Agent Framework session paused for an approval, saved, and resumed exactly once on another instance.</summary>
public sealed class AgentPauseTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const string User = "user-a";

    [Fact]
    public async Task TheFrameworkAlone_RunsAReplayedApprovalTwice()
    {
        // Why the claim matters: a saved session resumed twice with the same approval books twice.
        var travel = new TravelAgent();
        var agent = Agent(travel);
        var session = await agent.CreateSessionAsync();
        var first = await agent.RunAsync("book a flight", session);
        var saved = await agent.SerializeSessionAsync(session);
        var approval = first.Messages.SelectMany(m => m.Contents).OfType<ToolApprovalRequestContent>().Single().CreateResponse(true);

        await agent.RunAsync(new ChatMessage(ChatRole.User, [approval]), await agent.DeserializeSessionAsync(saved));
        await agent.RunAsync(new ChatMessage(ChatRole.User, [approval]), await agent.DeserializeSessionAsync(saved));

        Assert.Equal(2, travel.Bookings);
    }

    [Fact]
    public async Task PausedSession_ClaimedOnAnotherInstance_ResumesToTheSameAnswer_AndConcurrentResumesRunTheToolOnce()
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        var travel = new TravelAgent();
        var agent = Agent(travel);
        var session = await agent.CreateSessionAsync();
        var first = await agent.RunAsync("book a flight", session);
        var pause = await AgentPause.CreateAsync(agent, session, first);
        Assert.NotNull(pause);
        Assert.Single(pause.ApprovalRequests);
        await db.CreateService().SaveAgentPauseAsync(conversation, User, agent, pause);

        // Another replica: its own agent and service; eight requests at once, retries and a second tab.
        var replica = new TravelAgent();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => ResumeAsync(db.CreateService(), Agent(replica), conversation, i % 2 == 0 ? "resume-1" : "resume-2")));

        Assert.Equal(1, replica.Bookings);
        var winner = Assert.Single(outcomes, o => o.Answer is not null);
        Assert.Equal("Done. call-book: booked a seat to Oslo", winner.Answer);
        Assert.Equal(ResumeClaimStatus.Completed, (await db.CreateService().ClaimAgentPauseAsync(conversation, User, winner.ResumeId)).Status);
        Assert.Equal(0, travel.Bookings);
    }

    [Fact]
    public async Task AResumeThatPausesAgain_SavesTheNewSessionInTheSameStep()
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        var travel = new TravelAgent();
        var agent = Agent(travel);
        var session = await agent.CreateSessionAsync();
        var pause = await AgentPause.CreateAsync(agent, session, await agent.RunAsync("book a flight", session));
        await db.CreateService().SaveAgentPauseAsync(conversation, User, agent, pause!);

        var claimed = (await db.CreateService().ClaimAgentPauseAsync(conversation, User, "resume-1")).Pause!;
        var restored = await claimed.RestoreSessionAsync(agent);
        await agent.RunAsync(claimed.CreateResponseMessage([new ToolApprovalDecision(claimed.ApprovalRequests[0].RequestId, true)]), restored);
        var again = await agent.RunAsync("and where am I?", restored);

        Assert.Equal(ChatResumeOutcome.PausedAgain, await db.CreateService().FinishAgentResumeAsync(claimed, agent, restored, again));
        var next = (await db.CreateService().ClaimAgentPauseAsync(conversation, User, "resume-2")).Pause!;
        Assert.Equal("get_location", Assert.Single(next.ClientToolCalls).Name);
        var nextSession = await next.RestoreSessionAsync(agent);
        var done = await agent.RunAsync(next.CreateResponseMessage([], [new FunctionResultContent(next.ClientToolCalls[0].CallId, "Bergen")]), nextSession);
        Assert.Equal("Done. call-where: Bergen", done.Text);
        Assert.Equal(ChatResumeOutcome.Completed, await db.CreateService().FinishAgentResumeAsync(next, agent, nextSession, done));
        Assert.Equal(1, travel.Bookings);
    }

    [Fact]
    public async Task AChatPause_IsNotAnAgentPause_AndItsClaimIsHandedBack()
    {
        var conversation = (await TestData.CreateConversationAsync(db.DataSource, User)).ToString();
        var travel = new TravelAgent();
        var history = new List<ChatMessage> { new(ChatRole.User, "book a flight") };
        var response = await travel.Client.GetResponseAsync(history, travel.Options());
        Assert.True(ChatPause.TryCreate(history, response, travel.Options(), out var chatPause));
        await db.CreateService().SaveChatPauseAsync(conversation, User, chatPause);

        await Assert.ThrowsAsync<InvalidDataException>(() => db.CreateService().ClaimAgentPauseAsync(conversation, User, "resume-1"));

        Assert.NotNull(await db.CreateService().LoadStateAsync(conversation, User));
    }

    private static async Task<(string ResumeId, string? Answer)> ResumeAsync(ContinuationService service, AIAgent agent, string conversation, string resumeId)
    {
        var claim = await service.ClaimAgentPauseAsync(conversation, User, resumeId);
        if (claim.Pause is not { } claimed)
        {
            return (resumeId, null);
        }

        var session = await claimed.RestoreSessionAsync(agent);
        var answer = await agent.RunAsync(claimed.CreateResponseMessage([new ToolApprovalDecision(claimed.ApprovalRequests[0].RequestId, true)]), session);
        Assert.Equal(ChatResumeOutcome.Completed, await service.FinishAgentResumeAsync(claimed, agent, session, answer));
        return (resumeId, answer.Text);
    }

    // The scripted model behind Agent Framework's ChatClientAgent, with the same tools.
    private static AIAgent Agent(TravelAgent travel) => new ChatClientAgent(travel.Client, instructions: "Be brief.", name: "travel", tools: travel.Tools);
}
