using System.Text.Json;

namespace ContinuationState.Internal;

/// <summary>
/// One JSON part of a <see cref="PendingToolState"/>: either a <see cref="JsonElement"/> the caller gave, or the
/// UTF-8 of a jsonb column, parsed the first time the element is asked for. A load or claim thus costs the database
/// work and one copy of the bytes; parsing is paid by the parts a host reads, once, on whichever thread reads first.
/// </summary>
internal sealed class StoredJson
{
    private readonly byte[]? _utf8;
    private readonly string? _column;
    private readonly JsonElement _given;
    private JsonDocument? _parsed;

    private StoredJson(JsonElement given) => _given = given;

    private StoredJson(byte[] utf8, string column)
    {
        _utf8 = utf8;
        _column = column;
    }

    /// <summary>A part the caller built.</summary>
    public static StoredJson Of(JsonElement element) => new(element);

    /// <summary>A part read from the <paramref name="column"/> column, parsed on first use.</summary>
    public static StoredJson FromUtf8(byte[] utf8, string column) => new(utf8, column);

    /// <summary>The part as a standalone element that stays valid for the life of the state.</summary>
    /// <exception cref="ContinuationStateException">The stored JSON cannot be parsed (nested deeper than 10,000).</exception>
    public JsonElement Element => _utf8 is null ? _given : (Volatile.Read(ref _parsed) ?? Parse(_utf8)).RootElement;

    private JsonDocument Parse(byte[] utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, PendingToolStateReader.ReadOptions);
        }
        catch (JsonException e)
        {
            throw new ContinuationStateException($"The stored pending_tool_state.{_column} cannot be parsed: {e.Message}", e);
        }

        // Two threads may parse at once: one document wins, the other is returned to its pool unseen.
        var winner = Interlocked.CompareExchange(ref _parsed, document, null);
        if (winner is null)
        {
            return document;
        }

        document.Dispose();
        return winner;
    }
}
