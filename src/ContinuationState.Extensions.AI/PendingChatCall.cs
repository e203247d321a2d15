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
}
