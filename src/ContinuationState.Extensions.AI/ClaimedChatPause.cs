using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI;

/// <summary>
/// A claimed pause, typed again: the conversation, what it waits for, and the claim (<see cref="State"/>) that fences
/// its completion. Build the resume's messages with <see cref="CreateResumeMessages(IEnumerable{ToolApprovalDecision}, IEnumerable{FunctionResultContent})"/>
/// and call the chat client with them; finish with <see cref="ChatContinuationExtensions.FinishChatResumeAsync"/>.
/// </summary>
public sealed class ClaimedChatPause
{
    internal ClaimedChatPause(PendingToolState state)
    {
        ChatPauseSnapshot.RequireFormat(state.AgentConfig, ChatPauseSnapshot.Format);
        State = state;
        Messages = ChatPauseSnapshot.Messages(state);
        ApprovalRequests = PendingChatCall.ApprovalRequests(Messages);
        ClientToolCalls = PendingChatCall.ClientToolCalls(Messages);
        ToolDeclarations = ChatPauseSnapshot.Declarations(state.ToolSchemas);
        Options = ChatPauseSnapshot.Options(state.AgentConfig);
    }

    /// <summary>The claimed state, with its claim token: what the fenced completion and release take.</summary>
    public PendingToolState State { get; }

    /// <summary>The conversation so far, the paused response included.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; }

    /// <summary>The stored approval requests, as the pause saved them.</summary>
    public IReadOnlyList<ToolApprovalRequestContent> ApprovalRequests { get; }

    /// <summary>The stored calls the client must run.</summary>
    public IReadOnlyList<FunctionCallContent> ClientToolCalls { get; }

    /// <summary>The tools the model was offered, as declarations; give the chat client the live tools (they are code).</summary>
    public IReadOnlyList<AIFunctionDeclaration> ToolDeclarations { get; }

    /// <summary>The chat options the turn ran with, without tools; null when none were saved.</summary>
    public ChatOptions? Options { get; }

    /// <summary>
    /// The messages to resume with: the stored conversation and one user message holding an approval response for
    /// every stored request, each built from the stored request (so the stored call runs, whatever a client sent), and
    /// the client's result for every client-side call.
    /// </summary>
    /// <param name="decisions">One decision per stored approval request, by request id.</param>
    /// <param name="clientResults">One result per stored client-side call, by call id; none when there are none.</param>
    /// <returns>A new list; the stored messages are not changed.</returns>
    /// <exception cref="ArgumentException">A decision or result names no stored request or call, names one twice, or one is missing.</exception>
    public List<ChatMessage> CreateResumeMessages(IEnumerable<ToolApprovalDecision> decisions, IEnumerable<FunctionResultContent>? clientResults = null)
    {
        var answer = PendingChatCall.Answer(ApprovalRequests, ClientToolCalls, decisions, clientResults);
        var messages = new List<ChatMessage>(Messages.Count + 1);
        messages.AddRange(Messages);
        messages.Add(answer);
        return messages;
    }

    /// <summary>
    /// The same, from approval responses a client sent (deserialized from its request): only each response's request
    /// id and decision are used; its call, which a client could have forged, is replaced by the stored one.
    /// </summary>
    /// <param name="responses">One response per stored approval request.</param>
    /// <param name="clientResults">One result per stored client-side call, by call id; none when there are none.</param>
    /// <returns>A new list; the stored messages are not changed.</returns>
    /// <exception cref="ArgumentException">A response names no stored request, names one twice, or one is missing.</exception>
    public List<ChatMessage> CreateResumeMessagesFromResponses(IEnumerable<ToolApprovalResponseContent> responses, IEnumerable<FunctionResultContent>? clientResults = null)
    {
        ArgumentNullException.ThrowIfNull(responses);
        return CreateResumeMessages(ToolApprovalDecision.From(responses), clientResults);
    }
}
