using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI.Agents;

/// <summary>
/// How an <see cref="AgentPause"/> maps onto the six parts: <c>messages</c> the paused run's response messages,
/// <c>pending_tool_calls</c> as for a chat pause, <c>agent_config</c> the agent's id and name, the serialized
/// session and the messages' exact text (<c>messages_json</c>, as for a chat pause); <c>tools_dict</c> and <c>tool_schemas</c> stay empty (the agent holds its tools), <c>client_tools</c> null.
/// The session is kept as JSON text inside <c>agent_config</c>, not as a jsonb object: jsonb sorts keys, and the
/// framework reads the history in it with options that need <c>$type</c> first (microsoft/agent-framework#2962).
/// </summary>
internal static class AgentPauseSnapshot
{
    public const string Format = "microsoft.agents.ai";

    public static ContinuationSnapshot From(AgentPause pause, AIAgent agent)
    {
        var (messages, messagesText) = ChatJson.SerializeExact<IReadOnlyList<ChatMessage>>(pause.Messages);
        var agentConfig = new Dictionary<string, object?>
        {
            ["format"] = Format,
            ["agent_id"] = agent.Id,
            ["agent_name"] = agent.Name,
            ["session_json"] = pause.SessionText,
            [ChatPauseSnapshot.MessagesText] = messagesText,
        };
        return new ContinuationSnapshot(
            messages,
            ChatJson.Serialize<JsonNode>(ChatPauseSnapshot.PendingCalls(pause.ApprovalRequests, pause.ClientToolCalls)),
            ChatJson.Serialize<JsonNode>(new JsonObject()),
            ChatJson.Serialize<JsonNode>(new JsonArray()),
            agentConfig,
            null);
    }

    /// <summary>The serialized session of a pause whose format the caller checked (<see cref="ChatPauseSnapshot.RequireFormat"/>).</summary>
    public static JsonElement Session(JsonElement agentConfig)
    {
        var session = ChatPauseSnapshot.StringMember(agentConfig, "session_json")
            ?? throw new InvalidDataException("The stored agent_config part holds no Agent Framework session (no \"session_json\" string).");
        try
        {
            return JsonElement.Parse(session);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("The stored agent session is not JSON.", e);
        }
    }
}
