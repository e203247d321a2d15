using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI;

/// <summary>
/// The JSON of every part: Microsoft.Extensions.AI's own contracts (<see cref="AIJsonUtilities.DefaultOptions"/>), so
/// <c>AIContent</c>'s <c>$type</c> discriminators are written, and read back with out-of-order metadata allowed,
/// because jsonb stores an object's keys sorted, not with <c>$type</c> first (microsoft/agent-framework#2962).
/// Text the core's policies judge (U+0000, lone surrogates) reaches the core unaltered: System.Text.Json's writer would
/// turn a lone surrogate into U+FFFD before any policy could see it (<see cref="UnstorableTextConverter"/>).
/// </summary>
internal static class ChatJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>A jsonb part: U+0000 and lone surrogates as <c>\u</c> escapes, which the core's policies judge with their JSON path.</summary>
    public static JsonElement Serialize<T>(T value)
    {
        var (bytes, marked) = UnstorableTextConverter.Write(value, Options);
        using var document = marked
            ? JsonDocument.Parse(UnstorableTextConverter.Unmark(System.Text.Encoding.UTF8.GetString(bytes), escape: true))
            : JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// A jsonb part and the exact text of the same value: the text is what the part's reader gets back byte for byte
    /// (jsonb keeps neither key order nor number spelling). U+0000 and lone surrogates stand raw in the text, so the
    /// core's policies act on the text as on the part: both are refused, or both stripped or replaced.
    /// </summary>
    public static (JsonElement Part, string Text) SerializeExact<T>(T value)
    {
        var (bytes, marked) = UnstorableTextConverter.Write(value, Options);
        if (!marked)
        {
            var text = System.Text.Encoding.UTF8.GetString(bytes);
            using var document = JsonDocument.Parse(bytes);
            return (document.RootElement.Clone(), text);
        }

        var markedText = System.Text.Encoding.UTF8.GetString(bytes);
        using var escaped = JsonDocument.Parse(UnstorableTextConverter.Unmark(markedText, escape: true));
        return (escaped.RootElement.Clone(), UnstorableTextConverter.Unmark(markedText, escape: false));
    }

    /// <summary>The same for JSON written elsewhere with <see cref="Options"/> (an agent's serialized session).</summary>
    public static (JsonElement Part, string Text) Exact(JsonElement written)
    {
        var text = written.GetRawText();
        if (!UnstorableTextConverter.IsMarked(text))
        {
            return (written, text);
        }

        using var escaped = JsonDocument.Parse(UnstorableTextConverter.Unmark(text, escape: true));
        return (escaped.RootElement.Clone(), UnstorableTextConverter.Unmark(text, escape: false));
    }

    public static T Deserialize<T>(JsonElement element, string part)
    {
        try
        {
            return element.Deserialize<T>(Options) ?? throw new JsonException($"The {part} part is JSON null.");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new InvalidDataException($"The stored {part} part is not a Microsoft.Extensions.AI pause: {e.Message}", e);
        }
    }

    /// <summary>Reads a value from the exact text saved beside its part.</summary>
    public static T Deserialize<T>(string text, string part)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, Options) ?? throw new JsonException($"The {part} text is JSON null.");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new InvalidDataException($"The stored {part} text is not a Microsoft.Extensions.AI pause: {e.Message}", e);
        }
    }

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions) { AllowOutOfOrderMetadataProperties = true };
        options.Converters.Insert(0, new UnstorableTextConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
