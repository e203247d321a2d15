#pragma warning disable MAAI001
using System.Text.Json;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace ContinuationState.Tests.AgentSessions;

/// <summary>An agent whose sessions serialize to whatever JSON a test gives them: the store sees exactly that text.</summary>
internal sealed class JsonAgent : AIAgent
{
    protected override string? IdCore => "json-agent";

    public static AgentSession Session(string json) => new JsonSession(JsonElement.Parse(json));

    protected override ValueTask<AgentSession> CreateSessionCoreAsync(CancellationToken cancellationToken = default)
        => new(new JsonSession(JsonElement.Parse("{}")));

    protected override ValueTask<JsonElement> SerializeSessionCoreAsync(AgentSession session, JsonSerializerOptions? jsonSerializerOptions = null, CancellationToken cancellationToken = default)
        => new(((JsonSession)session).Value);

    protected override ValueTask<AgentSession> DeserializeSessionCoreAsync(JsonElement serializedState, JsonSerializerOptions? jsonSerializerOptions = null, CancellationToken cancellationToken = default)
        => new(new JsonSession(serializedState.Clone()));

    protected override Task<AgentResponse> RunCoreAsync(IEnumerable<ChatMessage> messages, AgentSession? session = null, AgentRunOptions? options = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();

    protected override IAsyncEnumerable<AgentResponseUpdate> RunCoreStreamingAsync(IEnumerable<ChatMessage> messages, AgentSession? session = null, AgentRunOptions? options = null, CancellationToken cancellationToken = default)
        => throw new NotSupportedException();

    private sealed class JsonSession(JsonElement value) : AgentSession
    {
        public JsonElement Value { get; } = value;
    }
}
