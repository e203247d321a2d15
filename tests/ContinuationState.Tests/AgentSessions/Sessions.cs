#pragma warning disable MAAI001 // AgentSessionStore and its key are experimental in Agent Framework 1.28.
using ContinuationState.Extensions.AI.Agents;
using ContinuationState.Tests.ExtensionsAI;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace ContinuationState.Tests.AgentSessions;

/// <summary>What the agent session tests share: a real ChatClientAgent over the scripted travel model, keys, row counts.</summary>
internal static class Sessions
{
    public const string UserA = "user-a";
    public const string UserB = "user-b";

    /// <summary>A ChatClientAgent with a stable id (the store keys on it), over <paramref name="travel"/>'s scripted model.</summary>
    public static ChatClientAgent Agent(TravelAgent travel, string id = "travel") => new(travel.Client, new ChatClientAgentOptions
    {
        Id = id,
        Name = "travel",
        ChatOptions = new ChatOptions { Instructions = "Be brief.", Tools = travel.Tools },
    });

    public static AgentSessionStoreKey NewKey() => new(Guid.NewGuid().ToString("N"));

    public static PostgresAgentSessionStore Store(DatabaseFixture db, string userId = UserA, ContinuationStateOptions? options = null, TimeSpan? ttl = null, bool detectConflicts = false)
        => new(db.DataSource, userId, options, ttl, detectConflicts);

    /// <summary>Rows stored for a session id, of any user, agent or partitions.</summary>
    public static async Task<long> RowsAsync(DatabaseFixture db, string sessionId)
        => await TestData.ScalarAsync<long>(db.DataSource, "SELECT count(*) FROM agent_sessions WHERE session_id = $1", sessionId);

    /// <summary>A fresh session carrying <paramref name="note"/> in its state bag, so tests can tell saved versions apart.</summary>
    public static async Task<AgentSession> SessionWithNoteAsync(AIAgent agent, string note)
    {
        var session = await agent.CreateSessionAsync();
        session.StateBag.SetValue("note", note);
        return session;
    }

    public static string? NoteOf(AgentSession? session)
        => session is not null && session.StateBag.TryGetValue<string>("note", out var note) ? note : null;
}
