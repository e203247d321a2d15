using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentHost.Streaming;
using ContinuationState;
using Microsoft.Extensions.Options;

namespace AgentHost.Agent;

/// <summary>
/// A deterministic stand-in for an LLM agent (no network, no model). Step 1: it answers, then calls
/// <c>send_email</c>, which needs the user's approval. Step 2, when the client offered tools: it calls the first
/// client tool and waits for its result. Then it finishes. Everything it needs to go on after a pause is in the
/// <see cref="ContinuationSnapshot"/> it returns; it keeps nothing in memory between requests.
/// </summary>
internal sealed class ScriptedAgent(IToolExecutor tools, IOptions<AgentHostOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, TimeProvider time)
{
    public const string SendEmailTool = "send_email";
    public const string Recipient = "team@example.com";
    private const string ApprovalStep = "approval";
    private const string ClientToolStep = "client_tool";

    private JsonSerializerOptions Json => json.Value.SerializerOptions;

    /// <summary>A new user message: the answer starts, then the agent asks to send an e-mail.</summary>
    public async Task<AgentTurn> StartAsync(string message, IReadOnlyList<ClientTool> clientTools, SseWriter output, CancellationToken cancellationToken)
    {
        var messages = new JsonArray { new JsonObject { ["role"] = "user", ["content"] = message } };
        var text = await SayAsync(output, $"I can do that. I'll e-mail your message to {Recipient}; sending needs your approval.", cancellationToken);
        var call = new ToolCall(
            "call_1",
            SendEmailTool,
            JsonSerializer.SerializeToElement(new { to = Recipient, subject = "Message from the chat", body = message }, Json),
            ToolCall.ServerExecution);
        return Pause(AgentEvents.ToolApprovalRequired, ApprovalStep, messages, text, call, clientTools);
    }

    /// <summary>
    /// Checks the user's actions against the pending calls before anything runs.
    /// </summary>
    /// <returns>Null when every pending call has exactly one valid action; otherwise what is wrong.</returns>
    public static string? Validate(IReadOnlyList<ToolCall> pending, IReadOnlyList<ToolAction> actions)
    {
        foreach (var action in actions)
        {
            if (!pending.Any(call => call.CallId == action.CallId))
            {
                return $"No pending tool call has call_id '{action.CallId}'.";
            }
        }

        foreach (var call in pending)
        {
            var matching = actions.Where(action => action.CallId == call.CallId).ToList();
            if (matching.Count != 1)
            {
                return $"Send exactly one action for call_id '{call.CallId}'.";
            }

            var action = matching[0];
            if (call.Execution == ToolCall.ClientExecution && action.Result is null)
            {
                return $"'{call.Name}' runs on the client: send its result for call_id '{call.CallId}'.";
            }

            if (call.Execution == ToolCall.ServerExecution && action.Decision is not (ToolAction.Approve or ToolAction.Deny))
            {
                return $"'{call.Name}' needs a decision for call_id '{call.CallId}': \"approve\" or \"deny\".";
            }
        }

        return null;
    }

    /// <summary>Goes on from a claimed pause with the user's (validated) actions.</summary>
    public async Task<AgentTurn> ResumeAsync(PendingToolState state, IReadOnlyList<ToolCall> pending, IReadOnlyList<ToolAction> actions, SseWriter output, CancellationToken cancellationToken)
    {
        var messages = JsonNode.Parse(state.Messages.GetRawText())!.AsArray();
        var clientTools = state.ClientTools is { ValueKind: JsonValueKind.Array } saved
            ? saved.Deserialize<List<ClientTool>>(Json) ?? []
            : [];
        var step = state.AgentConfig.GetProperty("step").GetString();

        var results = new List<string>();
        foreach (var call in pending)
        {
            var action = actions.Single(a => a.CallId == call.CallId);
            JsonNode result;
            if (call.Execution == ToolCall.ClientExecution)
            {
                result = JsonNode.Parse(action.Result!.Value.GetRawText())!;
                await output.WriteAsync(AgentEvents.ToolResult, new { call.CallId, call.Name, result }, cancellationToken);
            }
            else if (action.Decision == ToolAction.Approve)
            {
                result = await tools.RunAsync(call, cancellationToken);
                await output.WriteAsync(AgentEvents.ToolResult, new { call.CallId, call.Name, result }, cancellationToken);
            }
            else
            {
                result = new JsonObject { ["denied"] = true, ["reason"] = "The user denied this tool call." };
                await output.WriteAsync(AgentEvents.ToolDenied, new { call.CallId, call.Name }, cancellationToken);
            }

            messages.Add(new JsonObject { ["role"] = "tool", ["tool_call_id"] = call.CallId, ["content"] = result.ToJsonString() });
            results.Add(action.Decision == ToolAction.Deny ? "denied" : result.ToJsonString());
        }

        if (step == ApprovalStep)
        {
            var sent = results[0] != "denied";
            var text = await SayAsync(output, sent ? $"Done: the e-mail is on its way to {Recipient}." : "Understood: I did not send the e-mail.", cancellationToken);
            if (clientTools.Count == 0)
            {
                return new CompletedTurn(text);
            }

            var tool = clientTools[0];
            text += await SayAsync(output, $" One more thing: I need {tool.Name} from your device.", cancellationToken);
            var call = new ToolCall("call_2", tool.Name, JsonSerializer.SerializeToElement(new { }, Json), ToolCall.ClientExecution);
            return Pause(AgentEvents.ClientToolRequired, ClientToolStep, messages, text, call, clientTools);
        }

        return new CompletedTurn(await SayAsync(output, $"Thanks: your device answered {results[0]}. All done.", cancellationToken));
    }

    /// <summary>Everything the next request needs to go on, for the host to save before it sends the pause event.</summary>
    private PausedTurn Pause(string eventName, string step, JsonArray messages, string text, ToolCall call, IReadOnlyList<ClientTool> clientTools)
    {
        messages.Add(new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = text,
            ["tool_calls"] = new JsonArray { new JsonObject { ["id"] = call.CallId, ["name"] = call.Name, ["arguments"] = call.Arguments.GetRawText() } },
        });

        var toolSchemas = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "function",
                ["name"] = SendEmailTool,
                ["parameters"] = new JsonObject
                {
                    ["type"] = "object",
                    ["properties"] = new JsonObject { ["to"] = new JsonObject { ["type"] = "string" }, ["subject"] = new JsonObject { ["type"] = "string" }, ["body"] = new JsonObject { ["type"] = "string" } },
                    ["required"] = new JsonArray("to", "body"),
                },
            },
        };
        foreach (var tool in clientTools)
        {
            toolSchemas.Add(new JsonObject { ["type"] = "function", ["name"] = tool.Name, ["client_side"] = true });
        }

        var snapshot = new ContinuationSnapshot(
            Messages: messages,
            PendingToolCalls: JsonSerializer.SerializeToNode(new[] { call }, Json)!,
            ToolsDict: new JsonObject { [SendEmailTool] = new JsonObject { ["requires_approval"] = true } },
            ToolSchemas: toolSchemas,
            AgentConfig: new JsonObject { ["agent"] = "scripted", ["version"] = 1, ["step"] = step },
            ClientTools: clientTools.Count == 0 ? null : JsonSerializer.SerializeToNode(clientTools, Json));
        return new PausedTurn(eventName, snapshot, [call]);
    }

    private async Task<string> SayAsync(SseWriter output, string text, CancellationToken cancellationToken)
    {
        var answer = new StringBuilder();
        foreach (var token in Tokens(text))
        {
            if (options.Value.TokenDelay > TimeSpan.Zero)
            {
                await Task.Delay(options.Value.TokenDelay, time, cancellationToken);
            }

            await output.WriteAsync(AgentEvents.Token, new { text = token }, cancellationToken);
            answer.Append(token);
        }

        return answer.ToString();
    }

    /// <summary>Word-sized tokens that keep their trailing space, so their concatenation is the text.</summary>
    private static IEnumerable<string> Tokens(string text)
    {
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || (text[i - 1] == ' ' && text[i] != ' '))
            {
                yield return text[start..i];
                start = i;
            }
        }
    }
}
