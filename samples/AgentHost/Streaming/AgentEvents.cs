namespace AgentHost.Streaming;

/// <summary>The SSE event names the host sends.</summary>
internal static class AgentEvents
{
    /// <summary><c>{"text": "..."}</c>: the next piece of the answer.</summary>
    public const string Token = "token";

    /// <summary><c>{"call_id", "name", "result"}</c>: an approved tool ran, or a client tool's result was accepted.</summary>
    public const string ToolResult = "tool_result";

    /// <summary><c>{"call_id", "name"}</c>: the user denied the call; it did not run.</summary>
    public const string ToolDenied = "tool_denied";

    /// <summary>The stream pauses until the user approves or denies the pending calls.</summary>
    public const string ToolApprovalRequired = "tool_approval_required";

    /// <summary>The stream pauses until the client runs the pending client-side calls and sends their results.</summary>
    public const string ClientToolRequired = "client_tool_required";

    /// <summary><c>{"answer": "..."}</c>: the answer is complete and nothing is left to resume.</summary>
    public const string Done = "done";

    /// <summary><c>{"error": "..."}</c>: the turn failed; a claimed pause was released, so the user may retry.</summary>
    public const string Error = "error";
}
