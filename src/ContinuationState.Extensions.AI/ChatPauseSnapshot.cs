using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI;

/// <summary>
/// How a <see cref="ChatPause"/> maps onto DocsGPT's six parts, each in Microsoft.Extensions.AI's own JSON
/// (README, "Microsoft.Extensions.AI"):
/// <c>messages</c> the <see cref="ChatMessage"/> list; <c>pending_tool_calls</c> one entry per waiting call
/// (<c>call_id</c>, <c>name</c>, <c>arguments</c>, <c>kind</c> approval or client, <c>request_id</c>);
/// <c>tools_dict</c> each tool by name (<c>requires_approval</c>, <c>runs_on_client</c>); <c>tool_schemas</c> the
/// function declarations in the OpenAI tool format; <c>agent_config</c> the chat options without tools;
/// <c>client_tools</c> the declaration-only tools, or null.
/// </summary>
internal static class ChatPauseSnapshot
{
    public const string Format = "microsoft.extensions.ai";

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static ContinuationSnapshot From(ChatPause pause)
    {
        var messages = ChatJson.Serialize<IReadOnlyList<ChatMessage>>(pause.Messages);

        var pending = PendingCalls(pause.ApprovalRequests, pause.ClientToolCalls);

        var toolsDict = new JsonObject();
        var schemas = new JsonArray();
        var clientTools = new JsonArray();
        foreach (var tool in pause.Tools)
        {
            var declaration = tool as AIFunctionDeclaration;
            var runsOnClient = declaration is not null && tool is not AIFunction;
            toolsDict[tool.Name] = new JsonObject
            {
                ["name"] = tool.Name,
                ["description"] = tool.Description,
                ["requires_approval"] = tool.GetService<ApprovalRequiredAIFunction>() is not null,
                ["runs_on_client"] = runsOnClient,
                ["kind"] = declaration is null ? tool.GetType().Name : "function",
            };
            if (declaration is not null)
            {
                var schema = Schema(declaration);
                schemas.Add(schema);
                if (runsOnClient)
                {
                    clientTools.Add(schema.DeepClone());
                }
            }
        }

        var agentConfig = new JsonObject
        {
            ["format"] = Format,
            ["chat_options"] = pause.Options is null ? null : JsonSerializer.SerializeToNode(WithoutTools(pause.Options), ChatJson.Options),
        };

        return new ContinuationSnapshot(
            messages,
            ChatJson.Serialize<JsonNode>(pending),
            ChatJson.Serialize<JsonNode>(toolsDict),
            ChatJson.Serialize<JsonNode>(schemas),
            ChatJson.Serialize<JsonNode>(agentConfig),
            clientTools.Count == 0 ? null : ChatJson.Serialize<JsonNode>(clientTools));
    }

    /// <summary>The <c>pending_tool_calls</c> part: one entry per waiting call.</summary>
    public static JsonArray PendingCalls(IEnumerable<ToolApprovalRequestContent> approvalRequests, IEnumerable<FunctionCallContent> clientToolCalls)
    {
        var pending = new JsonArray();
        foreach (var request in approvalRequests)
        {
            pending.Add(PendingCall(request.ToolCall as FunctionCallContent, request.ToolCall.CallId, "approval", request.RequestId));
        }

        foreach (var call in clientToolCalls)
        {
            pending.Add(PendingCall(call, call.CallId, "client", null));
        }

        return pending;
    }

    /// <summary>The declarations saved in <c>tool_schemas</c>, as declaration-only functions.</summary>
    public static List<AIFunctionDeclaration> Declarations(JsonElement toolSchemas)
    {
        var declarations = new List<AIFunctionDeclaration>();
        if (toolSchemas.ValueKind != JsonValueKind.Array)
        {
            return declarations;
        }

        foreach (var entry in toolSchemas.EnumerateArray())
        {
            if (entry.TryGetProperty("function", out var function) && function.TryGetProperty("name", out var name))
            {
                var description = function.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                var parameters = function.TryGetProperty("parameters", out var p) ? p.Clone() : EmptyObject;
                declarations.Add(AIFunctionFactory.CreateDeclaration(name.GetString()!, description, parameters));
            }
        }

        return declarations;
    }

    /// <summary>The chat options saved in <c>agent_config</c> (without tools), or null.</summary>
    public static ChatOptions? Options(JsonElement agentConfig)
        => agentConfig.ValueKind == JsonValueKind.Object
           && agentConfig.TryGetProperty("chat_options", out var options)
           && options.ValueKind == JsonValueKind.Object
            ? ChatJson.Deserialize<ChatOptions>(options, "agent_config")
            : null;

    private static JsonObject PendingCall(FunctionCallContent? call, string callId, string kind, string? requestId)
    {
        var entry = new JsonObject
        {
            ["call_id"] = callId,
            ["name"] = call?.Name,
            ["arguments"] = call?.Arguments is null ? null : JsonSerializer.SerializeToNode(call.Arguments, ChatJson.Options),
            ["kind"] = kind,
        };
        if (requestId is not null)
        {
            entry["request_id"] = requestId;
        }

        return entry;
    }

    private static JsonObject Schema(AIFunctionDeclaration declaration) => new()
    {
        ["type"] = "function",
        ["function"] = new JsonObject
        {
            ["name"] = declaration.Name,
            ["description"] = declaration.Description,
            ["parameters"] = JsonNode.Parse(declaration.JsonSchema.GetRawText()),
        },
    };

    private static ChatOptions WithoutTools(ChatOptions options)
    {
        var copy = options.Clone();
        copy.Tools = null;
        return copy;
    }
}
