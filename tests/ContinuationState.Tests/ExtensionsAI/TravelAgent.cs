using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ContinuationState.Tests.ExtensionsAI;

/// <summary>
/// A deterministic model behind a real <see cref="FunctionInvokingChatClient"/>: asked to book a flight it calls
/// <c>book_flight</c> (approval required), asked where the user is it calls <c>get_location</c> (declaration only: the
/// client runs it), asked for both it calls both; given the results it answers with them.
/// </summary>
internal sealed class TravelAgent
{
    private int _bookings;

    public TravelAgent()
    {
        var book = AIFunctionFactory.Create(
            (string to) =>
            {
                Interlocked.Increment(ref _bookings);
                return $"booked a seat to {to}";
            },
            "book_flight",
            "Books a flight to a city.");
        Tools =
        [
            new ApprovalRequiredAIFunction(book),
            AIFunctionFactory.CreateDeclaration("get_location", "Reads the browser's location.", JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement),
        ];
        Client = new ChatClientBuilder(new ScriptedModel()).UseFunctionInvocation().Build();
    }

    /// <summary>How many times the approval-required tool actually ran.</summary>
    public int Bookings => Volatile.Read(ref _bookings);

    public IList<AITool> Tools { get; }

    public IChatClient Client { get; }

    public ChatOptions Options() => new() { Tools = Tools, ModelId = "scripted-travel", Temperature = 0.1f, Instructions = "Be brief." };

    private sealed class ScriptedModel : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = messages.ToList();
            var results = list.Last().Contents.OfType<FunctionResultContent>().ToList();
            if (results.Count > 0)
            {
                var said = string.Join("; ", results.OrderBy(r => r.CallId, StringComparer.Ordinal).Select(r => $"{r.CallId}: {r.Result}"));
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, $"Done. {said}")));
            }

            var ask = list.Last(m => m.Role == ChatRole.User).Text;
            var calls = new List<AIContent>();
            if (ask.Contains("book", StringComparison.OrdinalIgnoreCase))
            {
                calls.Add(new FunctionCallContent("call-book", "book_flight", new Dictionary<string, object?> { ["to"] = "Oslo" }));
            }

            if (ask.Contains("where", StringComparison.OrdinalIgnoreCase))
            {
                calls.Add(new FunctionCallContent("call-where", "get_location", new Dictionary<string, object?>()));
            }

            return Task.FromResult(calls.Count > 0
                ? new ChatResponse(new ChatMessage(ChatRole.Assistant, calls))
                : new ChatResponse(new ChatMessage(ChatRole.Assistant, "Nothing to do.")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
