using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace AgentHost.Agent;

/// <summary>
/// The default model: a deterministic <see cref="IChatClient"/> (no network, no weights) that plays the sample's script
/// from the messages alone, so the demo and the tests are offline and repeatable. Asked anything, it answers and calls
/// <c>send_email</c> with the user's message; given that call's result (or its rejection) it says so and, when the turn
/// offers client tools (declaration-only functions), calls the first one; given that result it finishes. It sits
/// under a real <see cref="FunctionInvokingChatClient"/>, which turns <c>send_email</c> into an approval request
/// and hands the client tool's call back to the host, exactly as it would with a hosted model.
/// </summary>
internal sealed class ScriptedChatClient(IOptions<AgentHostOptions> settings, TimeProvider time) : IChatClient
{
    public const string Recipient = "team@example.com";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        => GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var history = messages.ToList();
        var (text, call) = Next(history, options);
        // One id per answer, from the history's length: the same conversation always gets the same ids.
        var messageId = $"scripted_{history.Count}";
        foreach (var token in Tokens(text))
        {
            if (settings.Value.TokenDelay > TimeSpan.Zero)
            {
                await Task.Delay(settings.Value.TokenDelay, time, cancellationToken);
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, token) { MessageId = messageId };
        }

        if (call is not null)
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, [call]) { MessageId = messageId, FinishReason = ChatFinishReason.ToolCalls };
        }
        else
        {
            yield return new ChatResponseUpdate { Role = ChatRole.Assistant, MessageId = messageId, FinishReason = ChatFinishReason.Stop };
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
        => serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>The script: what to say next, and the call to make, from the last results in the history.</summary>
    private static (string Text, FunctionCallContent? Call) Next(List<ChatMessage> history, ChatOptions? options)
    {
        var results = history.Count > 0 ? history[^1].Contents.OfType<FunctionResultContent>().ToList() : [];
        if (results.Count == 0)
        {
            var message = history.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
            var arguments = new Dictionary<string, object?> { ["to"] = Recipient, ["subject"] = "Message from the chat", ["body"] = message };
            return ($"I can do that. I'll e-mail your message to {Recipient}; sending needs your approval.",
                new FunctionCallContent("call_1", SendEmailFunction.ToolName, arguments));
        }

        var result = results[0];
        if (NameOf(history, result.CallId) == SendEmailFunction.ToolName)
        {
            // send_email answers with a JSON object; a rejected approval comes back as FunctionInvokingChatClient's text.
            var sent = result.Result is JsonElement { ValueKind: JsonValueKind.Object };
            var text = sent ? $"Done: the e-mail is on its way to {Recipient}." : "Understood: I did not send the e-mail.";
            var clientTool = options?.Tools?.FirstOrDefault(tool => tool is AIFunctionDeclaration and not AIFunction);
            return clientTool is null
                ? (text, null)
                : ($"{text} One more thing: I need {clientTool.Name} from your device.", new FunctionCallContent("call_2", clientTool.Name, new Dictionary<string, object?>()));
        }

        return ($"Thanks: your device answered {JsonSerializer.Serialize(result.Result)}. All done.", null);
    }

    private static string? NameOf(List<ChatMessage> history, string callId)
        => history.SelectMany(m => m.Contents).OfType<FunctionCallContent>().LastOrDefault(call => call.CallId == callId)?.Name;

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
