using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace ContinuationState.Serialization;

/// <summary>
/// Whether parsed JSON (a <see cref="JsonElement"/>) can be sent to <c>jsonb</c> as the UTF-8 it was parsed from,
/// without walking it through the writer. jsonb parses the text again and keeps none of its escaping or spacing,
/// so only what the policies would change or refuse matters: bytes that are not UTF-8, escapes of U+0000 or of a
/// lone surrogate, duplicate member names, names with escapes (decoded, two can collide), numbers PostgreSQL
/// <c>numeric</c> cannot hold, nesting beyond the limit, and what only a lenient parse lets through (comments,
/// trailing commas), which jsonb refuses. JSON with none of these is stored exactly as the full walk would store it;
/// JSON with any of them takes the full walk, which applies the policies and names the path.
/// </summary>
internal static class VerbatimJson
{
    /// <summary>Checks <paramref name="element"/>, whose raw UTF-8 is <paramref name="raw"/>.</summary>
    /// <param name="element">An array or object.</param>
    /// <param name="raw">Its raw UTF-8 (<see cref="JsonMarshal.GetRawUtf8Value"/>).</param>
    /// <param name="depthLeft">How many more arrays or objects may nest, counting this one.</param>
    /// <param name="names">Scratch for duplicate-name checks.</param>
    public static bool CanCopy(JsonElement element, ReadOnlySpan<byte> raw, int depthLeft, ElementMemberNames names)
        => Utf8.IsValid(raw) && !HasPolicyEscape(raw) && !HasLenientSyntax(raw) && IsStorable(element, depthLeft, names);

    /// <summary>
    /// Whether <paramref name="raw"/> holds what only a lenient parse accepts (<see cref="JsonCommentHandling.Skip"/>,
    /// <see cref="JsonDocumentOptions.AllowTrailingCommas"/>): a comma before a closing bracket, or a comment. The raw
    /// text keeps them, and jsonb would refuse it. A bracket or slash inside a string may answer yes too; that only
    /// sends the value the full walk's way.
    /// </summary>
    internal static bool HasLenientSyntax(ReadOnlySpan<byte> raw) => HasCommaBeforeClose(raw) || (raw.Contains((byte)'/') && HasComment(raw));

    private static bool HasCommaBeforeClose(ReadOnlySpan<byte> raw)
    {
        var i = 0;
        while (true)
        {
            var next = raw[i..].IndexOfAny((byte)']', (byte)'}');
            if (next < 0)
            {
                return false;
            }

            i += next;
            var before = i - 1;
            while (before >= 0 && IsJsonSpace(raw[before]))
            {
                before--;
            }

            if (before >= 0 && raw[before] == ',')
            {
                return true;
            }

            i++;
        }
    }

    // Strings stepped over whole (a slash in a URL is text); outside them a slash can only start a comment.
    private static bool HasComment(ReadOnlySpan<byte> raw)
    {
        var i = 0;
        while (true)
        {
            var next = raw[i..].IndexOfAny((byte)'"', (byte)'/');
            if (next < 0)
            {
                return false;
            }

            i += next;
            if (raw[i] == '/')
            {
                return true;
            }

            i++;
            while (true)
            {
                var end = raw[i..].IndexOfAny((byte)'"', (byte)'\\');
                if (end < 0)
                {
                    return true; // not JSON at all: let the full walk say so
                }

                i += end + 1;
                if (raw[i - 1] == '"')
                {
                    break;
                }

                i++; // the escaped byte, a quote included
                if (i > raw.Length)
                {
                    return true;
                }
            }
        }
    }

    private static bool IsJsonSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>
    /// Whether <paramref name="raw"/> holds a <c>\u</c> escape of U+0000 or of a surrogate that is not half of a
    /// pair: the text policies decide what those become.
    /// </summary>
    internal static bool HasPolicyEscape(ReadOnlySpan<byte> raw)
    {
        var offset = 0;
        while (true)
        {
            var found = raw[offset..].IndexOf("\\u"u8);
            if (found < 0)
            {
                return false;
            }

            var at = offset + found;
            offset = at + 2;

            // After an odd run of backslashes this one is the second half of "\\": the "u" is plain text.
            var run = 0;
            while (at - run > 0 && raw[at - run - 1] == '\\')
            {
                run++;
            }

            if (run % 2 == 1)
            {
                continue;
            }

            if (at + 6 > raw.Length)
            {
                return true;
            }

            // The parser has checked that an escape's four digits are hex.
            var code = JsonStringUnescaper.Hex4(raw[(at + 2)..]);

            if (code is >= 0xD800 and <= 0xDBFF && IsLowSurrogateEscape(raw, at + 6))
            {
                // A pair, as writers escape characters beyond the Basic Multilingual Plane (emoji): one character.
                offset = at + 12;
                continue;
            }

            if (code == 0 || code is >= 0xD800 and <= 0xDFFF)
            {
                return true;
            }
        }
    }

    private static bool IsLowSurrogateEscape(ReadOnlySpan<byte> raw, int at)
        => at + 6 <= raw.Length && raw[at] == '\\' && raw[at + 1] == 'u'
            && JsonStringUnescaper.Hex4(raw[(at + 2)..]) is >= 0xDC00 and <= 0xDFFF;

    private static bool IsStorable(JsonElement element, int depthLeft, ElementMemberNames names)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (depthLeft <= 0 || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
                {
                    return false;
                }

                var frame = names.Open();
                try
                {
                    foreach (var property in element.EnumerateObject())
                    {
                        if (JsonMarshal.GetRawUtf8PropertyName(property).Contains((byte)'\\')
                            || !names.TryAdd(ref frame, property, decoded: null)
                            || !IsStorable(property.Value, depthLeft - 1, names))
                        {
                            return false;
                        }
                    }
                }
                finally
                {
                    names.Close(frame);
                }

                return true;
            case JsonValueKind.Array:
                if (depthLeft <= 0 || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
                {
                    return false;
                }

                foreach (var item in element.EnumerateArray())
                {
                    if (!IsStorable(item, depthLeft - 1, names))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Number:
                return PostgresNumeric.Fits(JsonMarshal.GetRawUtf8Value(element));
            default:
                return true;
        }
    }
}
