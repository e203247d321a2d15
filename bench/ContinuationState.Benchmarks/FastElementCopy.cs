using System.Runtime.InteropServices;
using System.Text.Json;

namespace ContinuationState.Benchmarks;

/// <summary>
/// A prototype of the JsonElement fast path proposed for the library's coercer, to price it before anyone writes
/// it: walk the element without materialising strings (raw UTF-8 spans only), check what the policies check
/// (U+0000 and lone-surrogate escapes, duplicate keys, number length, depth), and when nothing needs rewriting copy
/// the element's raw UTF-8 once. jsonb re-parses the text, so the original escaping does not matter.
/// </summary>
internal static class FastElementCopy
{
    public static byte[]? TryCopy(JsonElement element, int maxDepth = 512)
        => Clean(element, 0, maxDepth) ? JsonMarshal.GetRawUtf8Value(element).ToArray() : null;

    private static bool Clean(JsonElement element, int depth, int maxDepth)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (depth >= maxDepth)
                {
                    return false;
                }

                var count = 0;
                Span<int> hashes = stackalloc int[16];
                foreach (var property in element.EnumerateObject())
                {
                    var name = JsonMarshal.GetRawUtf8PropertyName(property);
                    if (!CleanString(name))
                    {
                        return false;
                    }

                    // Small objects (every message) check duplicate names by hash; a collision or a big object
                    // falls back to the full coercer, which names the duplicate.
                    if (name.Contains((byte)'\\'))
                    {
                        return false;
                    }

                    var hash = Fnv(name);
                    if (count < hashes.Length)
                    {
                        if (hashes[..count].Contains(hash))
                        {
                            return false;
                        }

                        hashes[count] = hash;
                    }
                    else
                    {
                        return false;
                    }

                    count++;
                    if (!Clean(property.Value, depth + 1, maxDepth))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array:
                if (depth >= maxDepth)
                {
                    return false;
                }

                foreach (var item in element.EnumerateArray())
                {
                    if (!Clean(item, depth + 1, maxDepth))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.String:
                return CleanString(JsonMarshal.GetRawUtf8Value(element));
            case JsonValueKind.Number:
                // PostgreSQL numeric holds 131072 digits before the point; anything this short fits.
                return JsonMarshal.GetRawUtf8Value(element).Length < 1000;
            default:
                return true;
        }
    }

    private static int Fnv(ReadOnlySpan<byte> name)
    {
        var hash = 2166136261u;
        foreach (var b in name)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)hash;
    }

    // Escapes are rare in real text: one vectorised search for a backslash, and only then a closer look.
    private static bool CleanString(ReadOnlySpan<byte> raw)
    {
        var at = raw.IndexOf((byte)'\\');
        while (at >= 0)
        {
            raw = raw[(at + 1)..];
            if (raw.Length > 0 && raw[0] == (byte)'u')
            {
                if (raw.Length < 5 || raw[1..5].SequenceEqual("0000"u8))
                {
                    return false;
                }

                if (IsSurrogate(raw[1..5], high: true))
                {
                    // A high surrogate must be followed by an escaped low one.
                    if (raw.Length < 11 || raw[5] != (byte)'\\' || raw[6] != (byte)'u' || !IsSurrogate(raw[7..11], high: false))
                    {
                        return false;
                    }

                    raw = raw[10..];
                }
                else if (IsSurrogate(raw[1..5], high: false))
                {
                    return false;
                }
            }

            raw = raw.Length > 0 ? raw[1..] : raw;
            at = raw.IndexOf((byte)'\\');
        }

        return true;
    }

    // D800-DBFF high, DC00-DFFF low.
    private static bool IsSurrogate(ReadOnlySpan<byte> hex, bool high)
    {
        if ((hex[0] | 0x20) != 'd')
        {
            return false;
        }

        var third = hex[1] | 0x20;
        return high ? third is '8' or '9' or 'a' or 'b' : third is 'c' or 'd' or 'e' or 'f';
    }
}
