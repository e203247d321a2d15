using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI;

/// <summary>What a pause waits for, per call: found once in a turn's messages, by call and request ids.</summary>
internal static class PendingChatCall
{
    /// <summary>Approval requests in <paramref name="messages"/> that no later response answers.</summary>
    public static List<ToolApprovalRequestContent> ApprovalRequests(IEnumerable<ChatMessage> messages)
    {
        var answered = new HashSet<string>(StringComparer.Ordinal);
        var requests = new List<ToolApprovalRequestContent>();
        foreach (var content in messages.SelectMany(m => m.Contents))
        {
            switch (content)
            {
                case ToolApprovalRequestContent request:
                    requests.Add(request);
                    break;
                case ToolApprovalResponseContent response:
                    answered.Add(response.RequestId);
                    break;
            }
        }

        requests.RemoveAll(r => answered.Contains(r.RequestId));
        return requests;
    }

    /// <summary>Function calls in <paramref name="messages"/> with no result: the ones left for the client to run.</summary>
    public static List<FunctionCallContent> ClientToolCalls(IEnumerable<ChatMessage> messages)
    {
        var results = new HashSet<string>(StringComparer.Ordinal);
        var calls = new List<FunctionCallContent>();
        foreach (var content in messages.SelectMany(m => m.Contents))
        {
            switch (content)
            {
                case FunctionCallContent call when !call.InformationalOnly:
                    calls.Add(call);
                    break;
                case FunctionResultContent result:
                    results.Add(result.CallId);
                    break;
            }
        }

        calls.RemoveAll(c => results.Contains(c.CallId));
        return calls;
    }

    /// <summary>
    /// The user message that answers a pause: an approval response for every stored request, each built from the
    /// stored request (so the stored call runs, whatever a client sent), and a result for every client-side call.
    /// </summary>
    public static ChatMessage Answer(
        IReadOnlyList<ToolApprovalRequestContent> requests,
        IReadOnlyList<FunctionCallContent> clientCalls,
        IEnumerable<ToolApprovalDecision> decisions,
        IEnumerable<FunctionResultContent>? clientResults)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var byRequest = requests.ToDictionary(r => r.RequestId, StringComparer.Ordinal);
        var answers = new List<AIContent>();
        var answered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var decision in decisions)
        {
            if (decision.RequestId is null || !byRequest.TryGetValue(decision.RequestId, out var request))
            {
                throw new ArgumentException($"Approval request '{decision.RequestId}' is not one this pause waits for.", nameof(decisions));
            }

            if (!answered.Add(decision.RequestId))
            {
                throw new ArgumentException($"Approval request '{decision.RequestId}' is answered twice.", nameof(decisions));
            }

            answers.Add(request.CreateResponse(decision.Approved, decision.Reason));
        }

        RequireAll(byRequest.Keys, answered, "approval request", nameof(decisions));

        var byCall = clientCalls.ToDictionary(c => c.CallId, StringComparer.Ordinal);
        var resulted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var result in clientResults ?? [])
        {
            ArgumentNullException.ThrowIfNull(result, nameof(clientResults));
            if (!byCall.ContainsKey(result.CallId))
            {
                throw new ArgumentException($"Client tool call '{result.CallId}' is not one this pause waits for.", nameof(clientResults));
            }

            if (!resulted.Add(result.CallId))
            {
                throw new ArgumentException($"Client tool call '{result.CallId}' has two results.", nameof(clientResults));
            }

            answers.Add(new FunctionResultContent(result.CallId, result.Result));
        }

        RequireAll(byCall.Keys, resulted, "client tool call", nameof(clientResults));
        return new ChatMessage(ChatRole.User, answers);
    }

    private static void RequireAll(IEnumerable<string> expected, HashSet<string> given, string what, string parameterName)
    {
        var missing = expected.Where(id => !given.Contains(id)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"No answer for {what}(s) {string.Join(", ", missing.Select(id => $"'{id}'"))}: a resume answers every one.", parameterName);
        }
    }
}
