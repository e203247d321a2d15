using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ContinuationState.Serialization;

namespace ContinuationState.Benchmarks;

/// <summary>
/// One state of a given size in the three shapes the benchmark sends: a CLR object graph (what a host that keeps
/// its own message types passes), <see cref="JsonElement"/>s (what a host that already holds JSON passes), and the
/// pre-serialised UTF-8 bytes the raw baseline sends. All three are the same JSON.
/// </summary>
internal sealed class Payload
{
    private Payload(int nominalBytes, ContinuationSnapshot clr, ContinuationSnapshot json, PayloadBytes bytes, int messageCount)
    {
        NominalBytes = nominalBytes;
        Clr = clr;
        Json = json;
        Bytes = bytes;
        MessageCount = messageCount;
    }

    /// <summary>The size asked for: 1 KB, 64 KB, 1 MB, 16 MB.</summary>
    public int NominalBytes { get; }

    /// <summary>The JSON size of all parts together, as sent.</summary>
    public int ActualBytes => Bytes.TotalLength;

    public ContinuationSnapshot Clr { get; }

    public ContinuationSnapshot Json { get; }

    public PayloadBytes Bytes { get; }

    public int MessageCount { get; }

    public static string Label(int bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MB" : $"{bytes >> 10} KB";

    /// <summary>
    /// Builds a conversation of chat turns (user question, assistant tool call, tool result, assistant answer)
    /// until the whole state is <paramref name="nominalBytes"/> of JSON, give or take a few bytes.
    /// </summary>
    public static Payload Create(int nominalBytes)
    {
        var random = new Random(nominalBytes);
        var pendingToolCalls = new[]
        {
            new PendingCall("call_9f2c", "send_email", new Dictionary<string, object?> { ["to"] = "ana@example.com", ["subject"] = "Q3 report" }),
        };
        var toolsDict = new Dictionary<string, object?>
        {
            ["send_email"] = new Dictionary<string, object?> { ["id"] = "6650f0c2a1", ["requires_approval"] = true },
        };
        var toolSchemas = new[]
        {
            new ToolSchema("function", new FunctionSchema("send_email", "Send an email on the user's behalf.", new
            {
                type = "object",
                properties = new { to = new { type = "string" }, subject = new { type = "string" } },
                required = RequiredArguments,
            })),
        };
        var agentConfig = new AgentConfig("a1b2c3", "gpt-4o", "openai", "default", 2, "classic");

        var fixedBytes = Size(pendingToolCalls) + Size(toolsDict) + Size(toolSchemas) + Size(agentConfig);
        var messages = new List<ChatMessage>
        {
            new("system", "You are a helpful assistant with tools. Ask before sending anything."),
        };

        // "[" + "]" + a comma between messages.
        var messagesBytes = 2 + Size(messages[0]);
        var target = nominalBytes - fixedBytes;
        var turn = 0;
        while (true)
        {
            var next = Turn(random, turn++, nominalBytes);
            var nextBytes = next.Sum(m => Size(m) + 1);
            if (messagesBytes + nextBytes > target)
            {
                break;
            }

            messages.AddRange(next);
            messagesBytes += nextBytes;
        }

        // Top up with one user message whose text fills what is left.
        const int overhead = 31; // ,{"role":"user","content":""}
        var left = target - messagesBytes - overhead;
        if (left > 0)
        {
            messages.Add(new ChatMessage("user", Text(random, left, asciiOnly: true)));
        }

        var clr = new ContinuationSnapshot(messages, pendingToolCalls, toolsDict, toolSchemas, agentConfig);
        var bytes = new PayloadBytes(
            ContinuationJson.SerializeToUtf8Bytes(messages),
            ContinuationJson.SerializeToUtf8Bytes(pendingToolCalls),
            ContinuationJson.SerializeToUtf8Bytes(toolsDict),
            ContinuationJson.SerializeToUtf8Bytes(toolSchemas),
            ContinuationJson.SerializeToUtf8Bytes(agentConfig));
        var json = new ContinuationSnapshot(
            Element(bytes.Messages), Element(bytes.PendingToolCalls), Element(bytes.ToolsDict), Element(bytes.ToolSchemas), Element(bytes.AgentConfig));
        return new Payload(nominalBytes, clr, json, bytes, messages.Count);
    }

    private static readonly string[] RequiredArguments = ["to"];

    private static JsonElement Element(byte[] utf8) => JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 512 }).RootElement;

    private static int Size(object value) => ContinuationJson.SerializeToUtf8Bytes(value).Length;

    private static ChatMessage[] Turn(Random random, int turn, int nominalBytes)
    {
        // Tool results dominate real transcripts: retrieved documents, search hits, file contents.
        var resultLength = Math.Clamp(nominalBytes / 64, 200, 6000);
        var callId = $"call_{turn:x4}{random.Next(0x10000):x4}";
        var arguments = $$"""{"query":"{{Text(random, 40, asciiOnly: true)}}","top_k":{{random.Next(3, 10)}}}""";
        return
        [
            new("user", Text(random, random.Next(40, 240), asciiOnly: false)),
            new("assistant", null, [new ToolCall(callId, "function", new FunctionCall("search_docs", arguments))]),
            new("tool", Document(random, resultLength), ToolCallId: callId),
            new("assistant", Text(random, random.Next(120, 600), asciiOnly: false)),
        ];
    }

    private static readonly string[] Words =
    [
        "the", "report", "quarter", "revenue", "growth", "customer", "pipeline", "approval", "tool", "agent",
        "policy", "budget", "forecast", "region", "invoice", "contract", "renewal", "meeting", "summary", "draft",
        "café", "naïve", "Zürich", "São", "Paulo", "日本語", "データ", "Привет", "résumé", "über", "🚀", "✓",
    ];

    private static readonly string[] AsciiWords = Words[..20];

    private static string Text(Random random, int length, bool asciiOnly)
    {
        var words = asciiOnly ? AsciiWords : Words;
        var text = new StringBuilder(length + 16);
        while (Encoding.UTF8.GetByteCount(text.ToString()) < length)
        {
            if (text.Length > 0)
            {
                text.Append(random.Next(12) == 0 ? ". " : " ");
            }

            text.Append(words[random.Next(words.Length)]);
            if (asciiOnly && text.Length >= length)
            {
                break;
            }
        }

        return asciiOnly && text.Length > length ? text.ToString(0, length) : text.ToString();
    }

    // A retrieved document: quoted titles, line breaks and a small table, so the JSON has escapes to write.
    private static string Document(Random random, int length)
    {
        var text = new StringBuilder(length + 64);
        var section = 0;
        while (text.Length < length)
        {
            text.Append("## \"Section ").Append(++section).Append("\"\n");
            text.Append(Text(random, 200, asciiOnly: false)).Append('\n');
            text.Append("| region | revenue |\n| EMEA | ").Append(random.Next(1000, 99999)).Append(" |\n\n");
        }

        return text.ToString();
    }
}

/// <summary>The state's parts as the UTF-8 JSON the library would write: what the raw baseline sends.</summary>
internal sealed record PayloadBytes(byte[] Messages, byte[] PendingToolCalls, byte[] ToolsDict, byte[] ToolSchemas, byte[] AgentConfig)
{
    public int TotalLength => Messages.Length + PendingToolCalls.Length + ToolsDict.Length + ToolSchemas.Length + AgentConfig.Length;
}

internal sealed record ChatMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string? Content,
    [property: JsonPropertyName("tool_calls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ToolCall>? ToolCalls = null,
    [property: JsonPropertyName("tool_call_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ToolCallId = null);

internal sealed record ToolCall(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("function")] FunctionCall Function);

internal sealed record FunctionCall(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("arguments")] string Arguments);

internal sealed record PendingCall(
    [property: JsonPropertyName("call_id")] string CallId,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("arguments")] IReadOnlyDictionary<string, object?> Arguments);

internal sealed record ToolSchema(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("function")] FunctionSchema Function);

internal sealed record FunctionSchema(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("parameters")] object Parameters);

internal sealed record AgentConfig(
    [property: JsonPropertyName("agent_id")] string AgentId,
    [property: JsonPropertyName("model_id")] string ModelId,
    [property: JsonPropertyName("llm_name")] string LlmName,
    [property: JsonPropertyName("prompt_id")] string PromptId,
    [property: JsonPropertyName("chunks")] int Chunks,
    [property: JsonPropertyName("retriever")] string Retriever);
