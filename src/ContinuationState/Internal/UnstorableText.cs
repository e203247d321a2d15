namespace ContinuationState.Internal;

/// <summary>
/// Where text stops being storable in PostgreSQL: at a U+0000, which text and jsonb refuse, or at an unpaired UTF-16
/// surrogate, which has no UTF-8 form. One search for the guards on keys and ids and for the JSON text policies.
/// </summary>
internal static class UnstorableText
{
    /// <summary>The index of the first U+0000 or unpaired surrogate in <paramref name="text"/>, or -1 when there is none.</summary>
    public static int IndexOf(ReadOnlySpan<char> text)
    {
        // Two vectorized searches, the second only up to the first U+0000: much faster than one search for either.
        var nul = text.IndexOf('\0');
        var scanned = nul < 0 ? text : text[..nul];
        var at = scanned.IndexOfAnyInRange('\uD800', '\uDFFF');
        while (at >= 0)
        {
            if (!char.IsHighSurrogate(scanned[at]) || at + 1 >= scanned.Length || !char.IsLowSurrogate(scanned[at + 1]))
            {
                return at;
            }

            // A pair (an emoji, say): one character, storable; look on after it.
            var next = scanned[(at + 2)..].IndexOfAnyInRange('\uD800', '\uDFFF');
            at = next < 0 ? -1 : at + 2 + next;
        }

        return nul;
    }
}
