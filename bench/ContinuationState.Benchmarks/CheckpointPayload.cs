using System.Text;
using System.Text.Json;
using ContinuationState.Serialization;

namespace ContinuationState.Benchmarks;

/// <summary>
/// A workflow checkpoint of a given size, as Agent Framework 1.28's <c>CheckpointManager.CreateJson</c> writes one: the
/// shape of a real checkpoint taken at a <c>RequestPort</c> pause (workflow definition with assembly-qualified
/// executor types, edges with a <c>"$type"</c> discriminator, the outstanding request, state keyed
/// <c>executor||key</c> with <c>typeId</c>/<c>value</c> pairs). That pause alone, for a two-step workflow, is about
/// 2.4 KB (2,389 bytes; the smallest size, "2 KB", is it); larger ones add an agent step whose chat history its state holds
/// (messages whose contents carry <c>"$type"</c>: text, function call, function result). Written with the
/// framework's default encoder, which escapes every non-ASCII character (and the backtick of generic type names). The
/// library is handed the <see cref="JsonElement"/>, the raw baseline its UTF-8 bytes as the framework wrote them.
/// </summary>
internal sealed class CheckpointPayload
{
    private const string Framework = "Microsoft.Agents.AI.Workflows, Version=1.28.0.0, Culture=neutral, PublicKeyToken=f300afd708cefcd3";
    private const string CoreLib = "System.Private.CoreLib, Version=10.0.0.0, Culture=neutral, PublicKeyToken=7cec85d7bea7798e";
    private const string Extensions = "Microsoft.Extensions.AI.Abstractions, Version=10.4.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35";

    private static readonly string[] Words =
    [
        "the", "report", "quarter", "revenue", "growth", "customer", "pipeline", "approval", "tool", "agent",
        "policy", "budget", "forecast", "region", "invoice", "contract", "renewal", "meeting", "summary", "draft",
        "café", "naïve", "Zürich", "São", "Paulo", "日本語", "データ", "Привет", "résumé", "über", "🚀", "✓",
    ];

    private CheckpointPayload(int nominalBytes, byte[] utf8, int messageCount)
    {
        NominalBytes = nominalBytes;
        Utf8 = utf8;
        Element = JsonElement.Parse(utf8);
        MessageCount = messageCount;
    }

    /// <summary>The size asked for: 2 KB (the two-step pause, whatever its size), 256 KB.</summary>
    public int NominalBytes { get; }

    /// <summary>The checkpoint as the framework hands it to a <c>JsonCheckpointStore</c>.</summary>
    public JsonElement Element { get; }

    /// <summary>The same JSON as the framework wrote it: what both stores send and keep (the store copies a checkpoint that needs no policy).</summary>
    public byte[] Utf8 { get; }

    public int ActualBytes => Utf8.Length;

    /// <summary>Messages in the agent step's chat history (none in the two-step pause).</summary>
    public int MessageCount { get; }

    /// <summary>
    /// Builds a checkpoint of <paramref name="nominalBytes"/> of JSON (within a few bytes): the pause's skeleton, then
    /// whole chat turns while they fit, then one user message whose ASCII text fills what is left.
    /// </summary>
    public static CheckpointPayload Create(int nominalBytes)
    {
        var random = new Random(nominalBytes);
        var messages = new List<Message> { new("system", [Text("You are a release assistant. Ask a person before shipping anything.")]) };
        var request = "Ship release 1.2? Notes: " + Sentence(random, 24);
        if (Write(messages, request).Length > nominalBytes)
        {
            // No room for an agent step: the two-step pause as the framework writes it.
            return new CheckpointPayload(nominalBytes, Write(null, request), 0);
        }
        for (var turn = 0; ; turn++)
        {
            var next = Turn(random, turn, nominalBytes);
            messages.AddRange(next);
            if (Write(messages, request).Length > nominalBytes)
            {
                messages.RemoveRange(messages.Count - next.Length, next.Length);
                break;
            }
        }

        // Top up: an empty user message first, to learn its overhead, then ASCII text (never escaped) for the rest.
        messages.Add(new Message("user", [Text("")]));
        var left = nominalBytes - Write(messages, request).Length;
        if (left > 0)
        {
            messages[^1] = new Message("user", [Text(Ascii(random, left))]);
        }
        else
        {
            messages.RemoveAt(messages.Count - 1);
        }

        return new CheckpointPayload(nominalBytes, Write(messages, request), messages.Count);
    }

    /// <summary>The checkpoint; without <paramref name="messages"/>, the two-step pause (no agent step, no history).</summary>
    private static byte[] Write(List<Message>? messages, string request)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("stepNumber", 3);
            w.WriteStartObject("workflow");
            w.WriteStartObject("executors");
            Executor(w, "approve", Framework, "Microsoft.Agents.AI.Workflows.Specialized.RequestInfoExecutor");
            if (messages is not null)
            {
                Executor(w, "agent", Framework, "Microsoft.Agents.AI.Workflows.Specialized.AIAgentHostExecutor");
            }

            Executor(w, "send", Framework, $"Microsoft.Agents.AI.Workflows.FunctionExecutor`1[[System.String, {CoreLib}]]");
            w.WriteEndObject();
            w.WriteStartObject("edges");
            if (messages is not null)
            {
                Edge(w, "agent", "approve");
            }

            Edge(w, "approve", "send");
            w.WriteEndObject();
            w.WriteStartArray("requestPorts");
            PortInfo(w, "approve");
            w.WriteEndArray();
            w.WriteString("startExecutorId", messages is null ? "approve" : "agent");
            w.WriteStartObject("outputExecutorIds");
            w.WriteStartArray("send");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();

            w.WriteStartObject("runnerData");
            w.WriteStartArray("instantiatedExecutors");
            if (messages is not null)
            {
                w.WriteStringValue("agent");
            }

            w.WriteStringValue("approve");
            w.WriteEndArray();
            w.WriteStartObject("queuedMessages");
            w.WriteEndObject();
            w.WriteStartArray("outstandingRequests");
            w.WriteStartObject();
            w.WritePropertyName("portInfo");
            PortInfo(w, "approve");
            w.WriteString("requestId", "a1495b56100645f8b274db40874b3e5d");
            w.WriteStartObject("data");
            TypeId(w, CoreLib, "System.String");
            w.WriteString("value", request);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();

            w.WriteStartObject("stateData");
            if (messages is not null)
            {
                w.WriteStartObject("agent||ChatHistory");
                TypeId(w, CoreLib, $"System.Collections.Generic.List`1[[Microsoft.Extensions.AI.ChatMessage, {Extensions}]]");
                w.WriteStartArray("value");
                foreach (var message in messages)
                {
                    message.Write(w);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteStartObject("approve||WrappedRequestsStateKey");
            TypeId(w, CoreLib, $"System.Collections.Generic.Dictionary`2[[System.String, {CoreLib}],[Microsoft.Agents.AI.Workflows.ExternalRequest, {Framework}]]");
            w.WriteStartObject("value");
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("edgeStateData");
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void Executor(Utf8JsonWriter w, string id, string assembly, string type)
    {
        w.WriteStartObject(id);
        w.WriteStartObject("executorType");
        w.WriteString("assemblyName", assembly);
        w.WriteString("typeName", type);
        w.WriteEndObject();
        w.WriteString("executorId", id);
        w.WriteEndObject();
    }

    private static void Edge(Utf8JsonWriter w, string source, string sink)
    {
        w.WriteStartArray(source);
        w.WriteStartObject();
        w.WriteNumber("$type", 0);
        w.WriteBoolean("hasCondition", false);
        w.WriteNumber("kind", 0);
        w.WriteStartObject("connection");
        w.WriteStartArray("sourceIds");
        w.WriteStringValue(source);
        w.WriteEndArray();
        w.WriteStartArray("sinkIds");
        w.WriteStringValue(sink);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    private static void PortInfo(Utf8JsonWriter w, string port)
    {
        w.WriteStartObject();
        w.WriteStartObject("requestType");
        w.WriteString("assemblyName", CoreLib);
        w.WriteString("typeName", "System.String");
        w.WriteEndObject();
        w.WriteStartObject("responseType");
        w.WriteString("assemblyName", CoreLib);
        w.WriteString("typeName", "System.String");
        w.WriteEndObject();
        w.WriteString("portId", port);
        w.WriteEndObject();
    }

    private static void TypeId(Utf8JsonWriter w, string assembly, string type)
    {
        w.WriteStartObject("typeId");
        w.WriteString("assemblyName", assembly);
        w.WriteString("typeName", type);
        w.WriteEndObject();
    }

    // One agent turn: the user asks, the model calls a tool, the tool answers with a document, the model replies.
    private static Message[] Turn(Random random, int turn, int nominalBytes)
    {
        var callId = $"call_{turn:x4}{random.Next(0x10000):x4}";
        return
        [
            new("user", [Text(Sentence(random, random.Next(40, 240)))]),
            new("assistant", [new Content("functionCall", [("callId", callId), ("name", "search_docs")], ("query", Sentence(random, 40)))]),
            new("tool", [new Content("functionResult", [("callId", callId), ("result", Document(random, Math.Clamp(nominalBytes / 64, 200, 6000)))])]),
            new("assistant", [Text(Sentence(random, random.Next(120, 600)))]),
        ];
    }

    private static Content Text(string text) => new("text", [("text", text)]);

    private static string Sentence(Random random, int length)
    {
        var text = new StringBuilder(length + 16);
        while (text.Length < length)
        {
            if (text.Length > 0)
            {
                text.Append(random.Next(12) == 0 ? ". " : " ");
            }

            text.Append(Words[random.Next(Words.Length)]);
        }

        return text.ToString();
    }

    private static string Ascii(Random random, int length)
    {
        var text = new StringBuilder(length + 16);
        while (text.Length < length)
        {
            text.Append(text.Length > 0 ? " " : "").Append(Words[random.Next(20)]);
        }

        return text.ToString(0, length);
    }

    // A retrieved document: quoted titles, line breaks and a small table, so the JSON has escapes to write.
    private static string Document(Random random, int length)
    {
        var text = new StringBuilder(length + 64);
        var section = 0;
        while (text.Length < length)
        {
            text.Append("## \"Section ").Append(++section).Append("\"\n");
            text.Append(Sentence(random, 200)).Append('\n');
            text.Append("| region | revenue |\n| EMEA | ").Append(random.Next(1000, 99999)).Append(" |\n\n");
        }

        return text.ToString();
    }

    private sealed record Message(string Role, Content[] Contents)
    {
        public void Write(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteString("role", Role);
            w.WriteStartArray("contents");
            foreach (var content in Contents)
            {
                content.Write(w);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }
    }

    private sealed record Content(string Type, (string Name, string Value)[] Strings, (string Name, string Value)? Argument = null)
    {
        public void Write(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteString("$type", Type);
            foreach (var (name, value) in Strings)
            {
                w.WriteString(name, value);
            }

            if (Argument is var (argument, value2))
            {
                w.WriteStartObject("arguments");
                w.WriteString(argument, value2);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }
    }
}
