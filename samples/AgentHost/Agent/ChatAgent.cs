using System.Text;
using System.Text.Json;
using AgentHost.Streaming;
using ContinuationState.Extensions.AI;
using Microsoft.Extensions.AI;

namespace AgentHost.Agent;

/// <summary>
/// The sample's agent: an <see cref="IChatClient"/> pipeline with function invocation (see <c>AddAgentHost</c>), one
/// approval-required server tool (<c>send_email</c>) and the client's tools as declaration-only functions. It streams
/// the answer as SSE events and returns the turn; the endpoints save or finish it with ContinuationState.Extensions.AI.
/// Nothing is kept in memory between requests: a resume starts from the claimed pause alone.
/// </summary>
internal sealed class ChatAgent(IChatClient chat, SendEmailFunction sendEmail)
{
    public const string DeniedReason = "The user denied this tool call.";

    private const string Instructions =
        "You are the ContinuationState sample agent. When the user asks for something, e-mail their message to "
        + ScriptedChatClient.Recipient + " with send_email (the user approves every send). Then, if the client offers "
        + "tools, call the first one and tell the user what it answered.";

    /// <summary>The client's tools, as the model sees them: declarations only, so the pipeline hands their calls back.</summary>
    public static List<AIFunctionDeclaration> Declarations(IEnumerable<ClientTool> clientTools)
        => [.. clientTools.Select(tool => AIFunctionFactory.CreateDeclaration(tool.Name, tool.Description, tool.Parameters ?? EmptySchema()))];

    /// <summary>A new user message: stream the answer until it completes or stops for the user.</summary>
    public async Task<AgentTurn> StartAsync(string message, IReadOnlyList<ClientTool> clientTools, SseWriter output, CancellationToken cancellationToken)
    {
        var options = Options(Declarations(clientTools));
        List<ChatMessage> messages = [new(ChatRole.User, message)];
        return await RunAsync(messages, options, deniedCalls: [], output, cancellationToken);
    }

    /// <summary>
    /// Goes on from a claimed pause with the user's (validated) actions. Each decision is bound by its wire
    /// <c>call_id</c> to the stored approval request, and the response is built from that request: the call that runs
    /// is the stored one, whatever the client sent besides.
    /// </summary>
    public async Task<AgentTurn> ResumeAsync(ClaimedChatPause claimed, IReadOnlyList<ToolAction> actions, SseWriter output, CancellationToken cancellationToken)
    {
        var byCall = actions.ToDictionary(action => action.CallId!, StringComparer.Ordinal);
        var decisions = new List<ToolApprovalDecision>();
        var denied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var request in claimed.ApprovalRequests)
        {
            var approved = byCall[request.ToolCall.CallId].Decision == ToolAction.Approve;
            decisions.Add(new ToolApprovalDecision(request.RequestId, approved, approved ? null : DeniedReason));
            if (!approved)
            {
                denied.Add(request.ToolCall.CallId);
            }
        }

        var results = new List<FunctionResultContent>();
        foreach (var call in claimed.ClientToolCalls)
        {
            var result = byCall[call.CallId].Result!.Value;
            results.Add(new FunctionResultContent(call.CallId, result));
            await output.WriteAsync(AgentEvents.ToolResult, new { call.CallId, call.Name, result }, cancellationToken);
        }

        var messages = claimed.CreateResumeMessages(decisions, results);
        // The live tools: send_email is code; the client's tools come back from the stored declarations.
        var options = Options(claimed.ToolDeclarations.Where(tool => tool.Name != SendEmailFunction.ToolName));
        return await RunAsync(messages, options, denied, output, cancellationToken);
    }

    private ChatOptions Options(IEnumerable<AIFunctionDeclaration> clientTools)
        => new() { Instructions = Instructions, Tools = [new ApprovalRequiredAIFunction(sendEmail), .. clientTools] };

    /// <summary>Streams one call of the pipeline: text as tokens, each tool result (or denial) as it happens.</summary>
    private async Task<AgentTurn> RunAsync(List<ChatMessage> messages, ChatOptions options, HashSet<string> deniedCalls, SseWriter output, CancellationToken cancellationToken)
    {
        var updates = new List<ChatResponseUpdate>();
        var answer = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
            foreach (var content in update.Contents)
            {
                switch (content)
                {
                    case TextContent { Text.Length: > 0 } text:
                        answer.Append(text.Text);
                        await output.WriteAsync(AgentEvents.Token, new { text = text.Text }, cancellationToken);
                        break;
                    case FunctionResultContent result when deniedCalls.Contains(result.CallId):
                        await output.WriteAsync(AgentEvents.ToolDenied, new { result.CallId, Name = NameOf(messages, result.CallId) }, cancellationToken);
                        break;
                    case FunctionResultContent result:
                        await output.WriteAsync(AgentEvents.ToolResult, new { result.CallId, Name = NameOf(messages, result.CallId), result.Result }, cancellationToken);
                        break;
                }
            }
        }

        var response = updates.ToChatResponse();
        ChatPause.TryCreate(messages, response, options, out var pause);
        return new AgentTurn(messages, response, options, answer.ToString(), pause);
    }

    private static string? NameOf(List<ChatMessage> messages, string callId)
        => messages.SelectMany(m => m.Contents)
            .Select(content => content switch
            {
                ToolApprovalRequestContent request => request.ToolCall as FunctionCallContent,
                FunctionCallContent call => call,
                _ => null,
            })
            .LastOrDefault(call => call?.CallId == callId)?.Name;

    private static JsonElement EmptySchema() => JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();
}
