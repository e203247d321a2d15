using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace AgentHost.Agent;

/// <summary>
/// The saved <c>messages</c> part (Microsoft.Extensions.AI <see cref="ChatMessage"/>s) as the page shows them after a
/// reload: <c>{role, content}</c> for text, <c>tool_calls</c> on the assistant's calls, and a <c>tool</c> entry per
/// result (<c>{"denied": true}</c> for a denied call). A view only: what is stored stays M.E.AI's own JSON.
/// </summary>
internal static class PauseTranscript
{
    // The package's reading rules: M.E.AI's contracts, with $type allowed anywhere (jsonb sorts an object's keys).
    private static readonly JsonSerializerOptions ChatJson = new(AIJsonUtilities.DefaultOptions) { AllowOutOfOrderMetadataProperties = true };

    public static JsonArray From(JsonElement messages)
    {
        List<ChatMessage>? typed;
        try
        {
            typed = messages.Deserialize<List<ChatMessage>>(ChatJson);
        }
        catch (JsonException)
        {
            typed = null;   // saved by another host: nothing to show, the pause is still listed
        }

        var denied = (typed ?? []).SelectMany(m => m.Contents).OfType<ToolApprovalResponseContent>()
            .Where(response => !response.Approved).Select(response => response.ToolCall.CallId).ToHashSet(StringComparer.Ordinal);
        var transcript = new JsonArray();
        foreach (var message in typed ?? [])
        {
            var calls = new JsonArray();
            foreach (var content in message.Contents)
            {
                if ((content as FunctionCallContent ?? (content as ToolApprovalRequestContent)?.ToolCall as FunctionCallContent) is { } call)
                {
                    calls.Add(new JsonObject { ["id"] = call.CallId, ["name"] = call.Name });
                }
            }

            if (message.Role == ChatRole.User || message.Role == ChatRole.Assistant)
            {
                if (message.Text.Length > 0 || calls.Count > 0)
                {
                    var entry = new JsonObject { ["role"] = message.Role.Value, ["content"] = message.Text };
                    if (calls.Count > 0)
                    {
                        entry["tool_calls"] = calls;
                    }

                    transcript.Add(entry);
                }
            }

            foreach (var result in message.Contents.OfType<FunctionResultContent>())
            {
                var content = denied.Contains(result.CallId)
                    ? new JsonObject { ["denied"] = true, ["reason"] = ChatAgent.DeniedReason }.ToJsonString()
                    : JsonSerializer.Serialize(result.Result);
                transcript.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = result.CallId, ["content"] = content });
            }
        }

        return transcript;
    }
}
