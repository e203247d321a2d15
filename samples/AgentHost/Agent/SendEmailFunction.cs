using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace AgentHost.Agent;

/// <summary>
/// The sample's server-side tool as an <see cref="AIFunction"/>. The agent offers it wrapped in an
/// <see cref="ApprovalRequiredAIFunction"/>, so <see cref="FunctionInvokingChatClient"/> never runs it before the user
/// approved the stored call; the send itself is the <see cref="IToolExecutor"/>'s (tests replace it).
/// </summary>
internal sealed class SendEmailFunction(IToolExecutor tools) : AIFunction
{
    public const string ToolName = "send_email";

    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {
          "type": "object",
          "properties": {
            "to": { "type": "string", "description": "The recipient's address." },
            "subject": { "type": "string" },
            "body": { "type": "string" }
          },
          "required": ["to", "body"]
        }
        """).RootElement.Clone();

    public override string Name => ToolName;

    public override string Description => "Sends an e-mail. The user approves every send.";

    public override JsonElement JsonSchema => Schema;

    protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
    {
        // The call being run: FunctionInvokingChatClient sets it, from the stored request when a resume approved it.
        var callId = FunctionInvokingChatClient.CurrentContext?.CallContent.CallId ?? throw new InvalidOperationException($"{ToolName} runs only under a FunctionInvokingChatClient.");
        var values = new JsonObject();
        foreach (var (name, value) in arguments)
        {
            values[name] = JsonSerializer.SerializeToNode(value, AIJsonUtilities.DefaultOptions);
        }

        var call = new ToolCall(callId, ToolName, JsonSerializer.SerializeToElement(values), ToolCall.ServerExecution);
        var result = await tools.RunAsync(call, cancellationToken);
        return JsonSerializer.SerializeToElement(result);
    }
}
