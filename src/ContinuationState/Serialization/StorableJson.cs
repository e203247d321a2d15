using System.Text.Json;
using System.Text.Unicode;

namespace ContinuationState.Serialization;

/// <summary>
/// Whether parsed JSON can be sent to <c>jsonb</c> as the UTF-8 it was parsed from, without walking it through the
/// writer. jsonb parses the text again and keeps none of its escaping or spacing, so only what the policies would
/// change or refuse matters: bytes that are not UTF-8, escapes of U+0000 or of a lone surrogate, duplicate member
/// names, names with escapes (decoded, two can collide), numbers PostgreSQL <c>numeric</c> cannot hold, nesting beyond
/// the limit, and what only a lenient parse lets through (comments, trailing commas), which jsonb refuses. One strict
/// pass of <see cref="Utf8JsonReader"/> looks for all of them. JSON with none of these is stored exactly as the full
/// walk would store it; JSON with any of them takes the full walk, which applies the policies and names the path.
/// </summary>
internal static class StorableJson
{
    // Objects with more members take the full walk, rather than compare every name with every other.
    private const int MaxMembersCompared = 64;

    /// <summary>Checks <paramref name="raw"/>, an array or object that may nest <paramref name="depthLeft"/> deep.</summary>
    public static bool IsStorableAsParsed(ReadOnlySpan<byte> raw, int depthLeft)
    {
        if (depthLeft <= 0 || !Utf8.IsValid(raw))
        {
            return false;
        }

        // Where each open object's member names start in `names`: (offset, length) of each name's UTF-8 in raw.
        var objectStarts = new Stack<int>();
        var names = new List<(int Start, int Length)>();
        var reader = new Utf8JsonReader(raw, new JsonReaderOptions { MaxDepth = depthLeft });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        objectStarts.Push(names.Count);
                        break;
                    case JsonTokenType.EndObject:
                        names.RemoveRange(objectStarts.Peek(), names.Count - objectStarts.Pop());
                        break;
                    case JsonTokenType.PropertyName when reader.ValueIsEscaped || !TryAddName(raw, names, objectStarts.Peek(), (int)reader.TokenStartIndex + 1, reader.ValueSpan.Length):
                    case JsonTokenType.String when reader.ValueIsEscaped && HasPolicyEscape(ref reader):
                    case JsonTokenType.Number when !PostgresNumeric.Fits(reader.ValueSpan):
                        return false;
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false; // too deep, or syntax only a lenient parse accepts
        }
    }

    private static bool TryAddName(ReadOnlySpan<byte> raw, List<(int Start, int Length)> names, int firstOfObject, int start, int length)
    {
        if (names.Count - firstOfObject >= MaxMembersCompared)
        {
            return false;
        }

        var name = raw.Slice(start, length);
        for (var i = firstOfObject; i < names.Count; i++)
        {
            if (raw.Slice(names[i].Start, names[i].Length).SequenceEqual(name))
            {
                return false;
            }
        }

        names.Add((start, length));
        return true;
    }

    /// <summary>Whether an escaped string stands for U+0000 or a lone surrogate, which the text policies decide.</summary>
    private static bool HasPolicyEscape(ref Utf8JsonReader reader)
    {
        // Only a \u escape can stand for either.
        if (reader.ValueSpan.IndexOf("\\u"u8) < 0)
        {
            return false;
        }

        try
        {
            return reader.GetString()!.Contains('\0');
        }
        catch (InvalidOperationException)
        {
            return true; // a lone surrogate, which System.Text.Json refuses to decode
        }
    }
}
