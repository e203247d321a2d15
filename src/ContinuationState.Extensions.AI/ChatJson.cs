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
        // Only marked output is decoded: an unmarked part is parsed from its bytes as they are.
        var (bytes, marked) = UnstorableTextConverter.Write(value, Options);
        return marked ? Unmark(System.Text.Encoding.UTF8.GetString(bytes)).Part : JsonElement.Parse(bytes);
    }

    /// <summary>
    /// A jsonb part and the exact text of the same value: the text is what the part's reader gets back byte for byte
    /// (jsonb keeps neither key order nor number spelling). U+0000 and lone surrogates stand raw in the text, so the
    /// core's policies act on the text as on the part: both are refused, or both stripped or replaced.
    /// </summary>
    public static (JsonElement Part, string Text) SerializeExact<T>(T value)
    {
        var (bytes, marked) = UnstorableTextConverter.Write(value, Options);
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        return marked ? Unmark(text) : (JsonElement.Parse(bytes), text);
    }

    /// <summary>The same for JSON written elsewhere with <see cref="Options"/> (an agent's serialized session).</summary>
    public static (JsonElement Part, string Text) Exact(JsonElement written)
    {
        var text = written.GetRawText();
        return UnstorableTextConverter.IsMarked(text) ? Unmark(text) : (written, text);
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

    /// <summary>Marked text as a jsonb part (escapes) and as the exact text (raw characters).</summary>
    private static (JsonElement Part, string Text) Unmark(string marked)
        => (JsonElement.Parse(System.Text.Encoding.UTF8.GetBytes(UnstorableTextConverter.Unmark(marked, escape: true))), UnstorableTextConverter.Unmark(marked, escape: false));

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions) { AllowOutOfOrderMetadataProperties = true };
        options.Converters.Insert(0, new UnstorableTextConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
