using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI;

/// <summary>
/// How a <see cref="ChatPause"/> maps onto DocsGPT's six parts, each in Microsoft.Extensions.AI's own JSON
/// (docs/extensions-ai.md):
/// <c>messages</c> the <see cref="ChatMessage"/> list; <c>pending_tool_calls</c> one entry per waiting call
/// (<c>call_id</c>, <c>name</c>, <c>arguments</c>, <c>kind</c> approval or client, <c>request_id</c>);
/// <c>tools_dict</c> each tool by name (<c>requires_approval</c>, <c>runs_on_client</c>); <c>tool_schemas</c> the
/// function declarations in the OpenAI tool format; <c>agent_config</c> the format, the chat options without tools,
/// and the exact JSON texts of the messages and the options (<c>messages_json</c>, <c>chat_options_json</c>): jsonb
/// keeps neither key order nor number spelling, and a resume must give the chat client the history it was given;
/// <c>client_tools</c> the declaration-only tools, or null.
/// </summary>
internal static class ChatPauseSnapshot
{
    public const string Format = "microsoft.extensions.ai";

    /// <summary>The <c>agent_config</c> member with the exact JSON text of <c>messages</c>.</summary>
    public const string MessagesText = "messages_json";

    /// <summary>The <c>agent_config</c> member with the exact JSON text of <c>chat_options</c>.</summary>
    public const string OptionsText = "chat_options_json";

    private static readonly JsonElement EmptyObject = JsonElement.Parse("{}");

    public static ContinuationSnapshot From(ChatPause pause)
    {
        var (messages, messagesText) = ChatJson.SerializeExact<IReadOnlyList<ChatMessage>>(pause.Messages);

        var pending = PendingCalls(pause.ApprovalRequests, pause.ClientToolCalls);

        var toolsDict = new JsonObject();
        var schemas = new JsonArray();
        var clientTools = new JsonArray();
        foreach (var tool in pause.Tools)
        {
            var declaration = tool as AIFunctionDeclaration;
            var runsOnClient = declaration is not null && tool is not AIFunction;
            toolsDict[UnstorableTextConverter.Mark(tool.Name)] = new JsonObject
            {
                ["name"] = Text(tool.Name),
                ["description"] = Text(tool.Description),
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

        // A dictionary, not a JsonNode: the exact texts reach the core as .NET strings, so its text policies act on them
        // as on the parts they copy.
        var agentConfig = new Dictionary<string, object?>
        {
            ["format"] = Format,
            ["chat_options"] = null,
            [MessagesText] = messagesText,
        };
        if (pause.Options is not null)
        {
            var (options, optionsText) = ChatJson.SerializeExact(WithoutTools(pause.Options));
            agentConfig["chat_options"] = options;
            agentConfig[OptionsText] = optionsText;
        }

        return new ContinuationSnapshot(
            messages,
            ChatJson.Serialize<JsonNode>(pending),
            ChatJson.Serialize<JsonNode>(toolsDict),
            ChatJson.Serialize<JsonNode>(schemas),
            agentConfig,
            clientTools.Count == 0 ? null : ChatJson.Serialize<JsonNode>(clientTools));
    }

    /// <summary>The stored messages: from the exact text when the pause has one, else (a pause saved before it was kept) from the jsonb part.</summary>
    public static List<ChatMessage> Messages(PendingToolState state)
        => StringMember(state.AgentConfig, MessagesText) is { } text
            ? ChatJson.Deserialize<List<ChatMessage>>(text, "messages")
            : ChatJson.Deserialize<List<ChatMessage>>(state.Messages, "messages");

    /// <summary>
    /// Refuses a state this package did not write as a chat pause before anything reads it (a claim under
    /// <see cref="ClaimOptions.RequiredFormat"/> already left such a row alone; this guards a state handed over otherwise).
    /// </summary>
    public static void RequireFormat(JsonElement agentConfig, string format)
    {
        var found = StringMember(agentConfig, "format");
        if (found != format)
        {
            throw new InvalidDataException(new StateFormatMismatchException(format, found).Message);
        }
    }

    /// <summary>The string member <paramref name="name"/> of <c>agent_config</c> (a format, an exact text), or null.</summary>
    public static string? StringMember(JsonElement agentConfig, string name)
        => agentConfig.ValueKind == JsonValueKind.Object && agentConfig.TryGetProperty(name, out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()
            : null;

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
    {
        if (StringMember(agentConfig, OptionsText) is { } text)
        {
            return ChatJson.Deserialize<ChatOptions>(text, "chat_options");
        }

        return agentConfig.ValueKind == JsonValueKind.Object
               && agentConfig.TryGetProperty("chat_options", out var options)
               && options.ValueKind == JsonValueKind.Object
            ? ChatJson.Deserialize<ChatOptions>(options, "agent_config")
            : null;
    }

    private static JsonObject PendingCall(FunctionCallContent? call, string callId, string kind, string? requestId)
    {
        var entry = new JsonObject
        {
            ["call_id"] = Text(callId),
            ["name"] = Text(call?.Name),
            ["arguments"] = call?.Arguments is null ? null : JsonSerializer.SerializeToNode(call.Arguments, ChatJson.Options),
            ["kind"] = kind,
        };
        if (requestId is not null)
        {
            entry["request_id"] = Text(requestId);
        }

        return entry;
    }

    private static JsonObject Schema(AIFunctionDeclaration declaration) => new()
    {
        ["type"] = "function",
        ["function"] = new JsonObject
        {
            ["name"] = Text(declaration.Name),
            ["description"] = Text(declaration.Description),
            ["parameters"] = JsonNode.Parse(declaration.JsonSchema.GetRawText()),
        },
    };

    /// <summary>A string of a hand-built node, marked as <see cref="UnstorableTextConverter"/> writes strings.</summary>
    private static JsonValue? Text(string? value) => value is null ? null : JsonValue.Create(UnstorableTextConverter.Mark(value));

    private static ChatOptions WithoutTools(ChatOptions options)
    {
        var copy = options.Clone();
        copy.Tools = null;
        return copy;
    }
}
