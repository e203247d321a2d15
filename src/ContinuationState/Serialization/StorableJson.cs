using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace ContinuationState.Serialization;

/// <summary>
/// Whether parsed JSON can be sent to <c>jsonb</c> as the UTF-8 it was parsed from, without walking it through the
/// writer. jsonb parses the text again and keeps none of its escaping or spacing, so only what the policies would
/// change or refuse matters: bytes that are not UTF-8, escapes of U+0000 or of a lone surrogate, duplicate member
/// names, names with escapes (decoded, two can collide), numbers PostgreSQL <c>numeric</c> cannot hold, nesting beyond
/// the limit, and what only a lenient parse lets through (comments, trailing commas), which jsonb refuses. The parse
/// has already found every token: this asks it for them, and looks only at what lies between them. JSON with none of
/// these is stored exactly as the full walk would store it; JSON with any of them takes the full walk, which applies
/// the policies and names the path.
/// </summary>
internal static class StorableJson
{
    // Objects with more members take the full walk, rather than compare every name with every other.
    private const int MaxMembersCompared = 64;

    private static readonly SearchValues<byte> JsonWhitespace = SearchValues.Create(" \t\r\n"u8);

    /// <summary>Checks <paramref name="element"/>, an array or object that may nest <paramref name="depthLeft"/> deep.</summary>
    public static bool IsStorableAsParsed(JsonElement element, int depthLeft)
    {
        if (!Utf8.IsValid(JsonMarshal.GetRawUtf8Value(element)))
        {
            return false;
        }

        return IsStorable(element, depthLeft, []);
    }

    private static bool IsStorable(JsonElement element, int depthLeft, List<JsonProperty> names)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object when depthLeft > 0 && RuntimeHelpers.TryEnsureSufficientExecutionStack():
                var first = names.Count;
                var end = 1; // just after the '{'
                try
                {
                    foreach (var property in element.EnumerateObject())
                    {
                        var name = JsonMarshal.GetRawUtf8PropertyName(property);
                        var nameAt = OffsetIn(raw, name);
                        var value = JsonMarshal.GetRawUtf8Value(property.Value);
                        var valueAt = OffsetIn(raw, value);
                        if (!IsGap(raw[end..(nameAt - 1)], names.Count > first ? (byte)',' : (byte)0)
                            || !IsGap(raw[(nameAt + name.Length + 1)..valueAt], (byte)':')
                            || name.Contains((byte)'\\')
                            || IsDuplicate(name, names, first)
                            || !IsStorable(property.Value, depthLeft - 1, names))
                        {
                            return false;
                        }

                        names.Add(property);
                        end = valueAt + value.Length;
                    }
                }
                finally
                {
                    names.RemoveRange(first, names.Count - first);
                }

                return IsGap(raw[end..^1], 0);
            case JsonValueKind.Array when depthLeft > 0 && RuntimeHelpers.TryEnsureSufficientExecutionStack():
                end = 1; // just after the '['
                foreach (var item in element.EnumerateArray())
                {
                    var value = JsonMarshal.GetRawUtf8Value(item);
                    var valueAt = OffsetIn(raw, value);
                    if (!IsGap(raw[end..valueAt], end > 1 ? (byte)',' : (byte)0) || !IsStorable(item, depthLeft - 1, names))
                    {
                        return false;
                    }

                    end = valueAt + value.Length;
                }

                return IsGap(raw[end..^1], 0);
            case JsonValueKind.Object or JsonValueKind.Array:
                return false; // too deep
            case JsonValueKind.String:
                return !HasPolicyEscape(raw);
            case JsonValueKind.Number:
                return PostgresNumeric.Fits(raw);
            default:
                return true;
        }
    }

    /// <summary>Whether the object whose names start at <paramref name="first"/> has <paramref name="name"/> already (or too many names to say).</summary>
    private static bool IsDuplicate(ReadOnlySpan<byte> name, List<JsonProperty> names, int first)
    {
        if (names.Count - first >= MaxMembersCompared)
        {
            return true;
        }

        for (var i = first; i < names.Count; i++)
        {
            if (JsonMarshal.GetRawUtf8PropertyName(names[i]).SequenceEqual(name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where <paramref name="part"/>, a slice of the same parsed text, starts in <paramref name="whole"/>.</summary>
    private static int OffsetIn(ReadOnlySpan<byte> whole, ReadOnlySpan<byte> part)
        => (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(whole), ref MemoryMarshal.GetReference(part));

    /// <summary>
    /// Whether the text between two tokens is what strict JSON allows there: whitespace around one
    /// <paramref name="separator"/> (none at a container's edges, 0). A comment or a trailing comma there is what only
    /// a lenient parse accepts, and jsonb refuses.
    /// </summary>
    private static bool IsGap(ReadOnlySpan<byte> gap, byte separator)
    {
        if (gap.Length == (separator == 0 ? 0 : 1) && (separator == 0 || gap[0] == separator))
        {
            return true; // compact JSON: nothing, or the separator alone
        }

        var at = separator == 0 ? gap.Length : gap.IndexOf(separator);
        return at >= 0 && gap[..at].IndexOfAnyExcept(JsonWhitespace) < 0
            && (at == gap.Length || gap[(at + 1)..].IndexOfAnyExcept(JsonWhitespace) < 0);
    }

    /// <summary>
    /// Whether a string token has a <c>\u</c> escape of U+0000 or of a lone surrogate, which the text policies decide.
    /// Each escape's four hex digits are read where they stand: decoding every string that holds an escaped emoji with
    /// System.Text.Json cost more than the whole copy (2 to 3 ms per MB of chat JSON).
    /// </summary>
    private static bool HasPolicyEscape(ReadOnlySpan<byte> token)
    {
        var at = token.IndexOf("\\u"u8);
        while (at >= 0)
        {
            // After an odd run of backslashes this "\u" is an escaped backslash, then the letter u.
            var isEscape = (at - token[..at].LastIndexOfAnyExcept((byte)'\\') - 1) % 2 == 0;
            var code = isEscape ? Hex4(token[(at + 2)..]) : -1;
            if (code is 0 or (>= 0xDC00 and <= 0xDFFF))
            {
                return true;
            }

            if (code is >= 0xD800 and <= 0xDBFF)
            {
                // The escaped pair of a character beyond the Basic Multilingual Plane (an emoji) is one character.
                if (!token[(at + 6)..].StartsWith("\\u"u8) || Hex4(token[(at + 8)..]) is < 0xDC00 or > 0xDFFF)
                {
                    return true;
                }

                at += 6;
            }

            var next = token[(at + 2)..].IndexOf("\\u"u8);
            at = next < 0 ? -1 : at + 2 + next;
        }

        return false;
    }

    private static int Hex4(ReadOnlySpan<byte> digits)
        => Utf8Parser.TryParse(digits[..4], out ushort code, out _, 'X') ? code : -1;
}
