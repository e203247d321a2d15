using System.Text.Json;
using Microsoft.Extensions.AI;

namespace ContinuationState.Extensions.AI;

/// <summary>
/// The JSON of every part: Microsoft.Extensions.AI's own contracts (<see cref="AIJsonUtilities.DefaultOptions"/>), so
/// <c>AIContent</c>'s <c>$type</c> discriminators are written, and read back with out-of-order metadata allowed,
/// because jsonb stores an object's keys sorted, not with <c>$type</c> first (microsoft/agent-framework#2962).
/// </summary>
internal static class ChatJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static JsonElement Serialize<T>(T value) => JsonSerializer.SerializeToElement(value, Options);

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

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(AIJsonUtilities.DefaultOptions) { AllowOutOfOrderMetadataProperties = true };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
