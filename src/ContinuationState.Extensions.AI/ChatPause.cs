using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI;

/// <summary>
/// A Microsoft.Extensions.AI turn that stopped for the user: the conversation so far, the tool calls that wait for an
/// approval (<see cref="ToolApprovalRequestContent"/>, from <c>FunctionInvokingChatClient</c> and an
/// <see cref="ApprovalRequiredAIFunction"/>) or for the client to run them (a <see cref="FunctionCallContent"/> of a
/// declaration-only tool), the tools declared to the model and the chat options. Save it with
/// <see cref="ChatContinuationExtensions.SaveChatPauseAsync"/>.
/// </summary>
public sealed class ChatPause
{
    private ChatPause(
        IReadOnlyList<ChatMessage> messages,
        IReadOnlyList<ToolApprovalRequestContent> approvalRequests,
        IReadOnlyList<FunctionCallContent> clientToolCalls,
        IReadOnlyList<AITool> tools,
        ChatOptions? options)
    {
        Messages = messages;
        ApprovalRequests = approvalRequests;
        ClientToolCalls = clientToolCalls;
        Tools = tools;
        Options = options;
    }

    /// <summary>Every message of the conversation so far, the paused response's included.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; }

    /// <summary>The calls that wait for the user's approval.</summary>
    public IReadOnlyList<ToolApprovalRequestContent> ApprovalRequests { get; }

    /// <summary>The calls that wait for the client to run them and send their results.</summary>
    public IReadOnlyList<FunctionCallContent> ClientToolCalls { get; }

    /// <summary>The tools the model was offered; saved as declarations (name, description, JSON schema).</summary>
    public IReadOnlyList<AITool> Tools { get; }

    /// <summary>The chat options the turn ran with; saved without their tools, which are code.</summary>
    public ChatOptions? Options { get; }

    /// <summary>
    /// Makes a pause of a response that stopped for the user, or tells that it did not (nothing waits: the turn is done).
    /// </summary>
    /// <param name="history">The messages the turn was asked with.</param>
    /// <param name="response">The chat client's response.</param>
    /// <param name="options">The options the turn ran with, whose tools are saved as declarations.</param>
    /// <param name="pause">The pause, when something waits for the user or the client.</param>
    /// <returns>True when the response waits for an approval or a client-side tool result.</returns>
    public static bool TryCreate(IEnumerable<ChatMessage> history, ChatResponse response, ChatOptions? options, [NotNullWhen(true)] out ChatPause? pause)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(response);
        var messages = history.Concat(response.Messages).ToList();
        pause = Create(messages, options);
        return pause is not null;
    }

    /// <summary>A pause of <paramref name="messages"/>, or null when nothing in them waits.</summary>
    internal static ChatPause? Create(List<ChatMessage> messages, ChatOptions? options)
    {
        var approvals = PendingChatCall.ApprovalRequests(messages);
        var clientCalls = PendingChatCall.ClientToolCalls(messages);
        if (approvals.Count == 0 && clientCalls.Count == 0)
        {
            return null;
        }

        return new ChatPause(messages, approvals, clientCalls, [.. options?.Tools ?? []], options);
    }
}
